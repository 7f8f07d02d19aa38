import { BulwarkError } from '../../core/index.ts';
import type { BalancerKind } from '../spec.ts';
import type { Balancer, BalancerDeps, BalancerFactory } from './balancer.ts';
import { consistentHash } from './consistent-hash.ts';
import { leastRequest } from './least-request.ts';
import { peakEwma } from './peak-ewma.ts';
import { roundRobin } from './round-robin.ts';
import { weightedRoundRobin } from './weighted-round-robin.ts';

/** Every balancer kind: a new one is a file, one line here, and its test (architecture.md). */
export const balancers = [
  roundRobin,
  weightedRoundRobin,
  leastRequest,
  peakEwma,
  consistentHash,
] as const satisfies readonly BalancerFactory[];

// Fails to compile when a BalancerKind in spec.ts has no entry above.
const _everyKindRegistered: [Exclude<BalancerKind, (typeof balancers)[number]['kind']>] extends [never]
  ? true
  : never = true;

/** A fresh balancer of `kind`; call once per pool per snapshot, never per request. */
export function createBalancer(kind: BalancerKind, deps: BalancerDeps): Balancer {
  const factory: BalancerFactory | undefined = balancers.find((entry) => entry.kind === kind);
  // Unreachable for a validated config; kept for callers that cast strings.
  if (!factory) throw new BulwarkError('CFG_INVALID', `unknown balancer "${String(kind)}"`);
  return factory.create(deps);
}
