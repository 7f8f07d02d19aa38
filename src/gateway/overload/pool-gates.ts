import type { Clock } from '../../core/clock.ts';
import type { RouteGuards } from '../admission.ts';
import { RouteRateLimits } from '../layers/rate-limit.ts';
import type { PoolSet } from '../pool-set.ts';
import type { GatewaySpec, RouteSpec } from '../spec.ts';
import { ConcurrencyGate, type ConcurrencyLimit } from './concurrency-gate.ts';
import { GradientLimit } from './gradient-limit.ts';
import type { UpstreamThrottle } from './upstream-throttle.ts';

/** A pool's gate, with what its status reports need. */
export interface PoolGate {
  readonly gate: ConcurrencyGate;
  /** false when only `endpoint_max_in_flight` is set: the gate then has no pool-wide number. */
  readonly hasPoolLimit: boolean;
  readonly adaptive: GradientLimit | undefined;
}

/** One gate per pool that limits concurrency, pool-wide (`concurrency`) or per endpoint. */
export function buildGates(
  spec: GatewaySpec,
  pools: PoolSet,
  deps: { readonly clock: Clock; readonly random: () => number },
): Map<string, PoolGate> {
  const gates = new Map<string, PoolGate>();
  for (const [name, poolSpec] of Object.entries(spec.pools)) {
    const { concurrency, endpointMaxInFlight } = poolSpec;
    if (!concurrency && endpointMaxInFlight === undefined) continue;
    const adaptive =
      concurrency?.kind === 'adaptive'
        ? new GradientLimit(concurrency, { random: deps.random, nowMs: deps.clock.nowMs() })
        : undefined;
    const limit: ConcurrencyLimit = adaptive ?? {
      limit: concurrency?.kind === 'fixed' ? concurrency.maxInFlight : Number.POSITIVE_INFINITY,
    };
    // Per-endpoint caps: room exists while the endpoints the pool serves from (or fails over to) have more
    // free places than the requests admitted and not at an endpoint yet will take.
    const hasRoom =
      endpointMaxInFlight === undefined
        ? undefined
        : (pending: number) => {
            const serving = pools.resolution(name);
            return serving === undefined || serving.pool.endpointRoom(serving.mode === 'panic') > pending;
          };
    const gate = new ConcurrencyGate(limit, poolSpec.queue, { clock: deps.clock, hasRoom });
    gates.set(name, { gate, hasPoolLimit: concurrency !== undefined, adaptive });
  }
  return gates;
}

/** A route's overload policies, or undefined when it has none (the request path then skips admission). */
export function guardsFor(
  id: string,
  route: RouteSpec,
  throttle: UpstreamThrottle | undefined,
  gate: ConcurrencyGate | undefined,
): RouteGuards | undefined {
  const rateLimits = route.rateLimits.length > 0 ? new RouteRateLimits(id, route.rateLimits) : undefined;
  if (!rateLimits && !throttle && !gate) return undefined;
  return {
    id,
    pool: route.pool,
    priority: route.priority,
    priorityHeader: route.priorityHeader,
    rateLimits,
    throttle,
    gate,
  };
}
