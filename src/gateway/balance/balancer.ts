import type { Endpoint } from '../endpoint.ts';
import type { BalancerKind } from '../spec.ts';

/** What a request offers a balancer to choose by. */
export interface PickHint {
  /** The consistent-hash key's value for this request, when the pool hashes. */
  readonly hashKey?: string | undefined;
}

/** Chooses one of the endpoints offered; never changes membership, load or health. */
export interface Balancer {
  pick(ready: readonly Endpoint[], hint: PickHint): Endpoint | undefined;
}

/** What a balancer may depend on: injected so tests run on a seeded random and a fake clock. */
export interface BalancerDeps {
  /** Uniform in [0, 1), like Math.random. */
  readonly random: () => number;
  readonly nowMs: () => number;
}

/** One entry of the balancer registry: a kind and how to build a fresh instance (one per pool per snapshot). */
export interface BalancerFactory<Kind extends BalancerKind = BalancerKind> {
  readonly kind: Kind;
  create(deps: BalancerDeps): Balancer;
}
