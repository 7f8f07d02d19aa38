import type { PoolStatus } from '../core/index.ts';

/** One endpoint's active-check verdict, as the cluster primary pushes it to workers. */
export interface HealthVerdict {
  readonly pool: string;
  /** host:port, as in PoolStatus. */
  readonly endpoint: string;
  readonly isHealthy: boolean;
}

/** Every endpoint's verdict in a gateway's status. */
export function healthVerdictsOf(pools: readonly PoolStatus[]): HealthVerdict[] {
  return pools.flatMap((pool) =>
    pool.endpoints.map((e) => ({ pool: pool.name, endpoint: e.id, isHealthy: e.isHealthy })),
  );
}
