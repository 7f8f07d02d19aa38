import type { Endpoint } from '../endpoint.ts';

/** What a request offers a balancer to choose by. */
export interface PickHint {
  /** The consistent-hash key's value for this request, when the pool hashes. */
  readonly hashKey?: string | undefined;
}

/** Chooses one of the endpoints offered; never changes membership, load or health. */
export interface Balancer {
  pick(ready: readonly Endpoint[], hint: PickHint): Endpoint | undefined;
}
