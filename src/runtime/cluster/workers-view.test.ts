import { describe, expect, it } from 'vitest';
import type { EndpointStatus, PoolStatus } from '../../core/index.ts';
import { EndpointOverrides, type PoolView } from '../../services/index.ts';
import { poolView } from '../../services/pool-views.ts';
import { apiPoolWith, workerRegistrySeeing } from './pool-status.test-support.ts';
import { workersViewOf } from './workers-view.ts';

/** Pool `api` (a:80 with one request in flight, b:80 as given) as one process sees it. */
const poolWith = (b: Partial<EndpointStatus>, pool: Partial<PoolStatus> = {}): PoolStatus =>
  apiPoolWith(b, pool, { inFlight: 1 });

/** GET /api/v1/pools' `api` in a cluster whose primary sees `primary` and whose workers see `workers`. */
async function listed(primary: PoolStatus, workers: readonly PoolStatus[]): Promise<PoolView> {
  const registries = await Promise.all(workers.map(workerRegistrySeeing));
  return poolView(primary, new EndpointOverrides(), workersViewOf(registries, []));
}

describe('workersViewOf, as GET /api/v1/pools shows it', () => {
  it('shows an endpoint one of two workers ejected as ejected, still serving, in 1 of 2 workers', async () => {
    const pool = await listed(poolWith({}), [
      poolWith({ isEjected: true, effectiveWeight: 4 }, { healthyShare: 0.5 }),
      poolWith({ inFlight: 3, coolDownRemainingMs: 900 }),
    ]);
    expect(pool.healthyShare).toBe(0.5);
    expect(pool.endpoints[1]).toMatchObject({
      isEjected: true,
      isServing: true,
      inFlight: 3,
      workers: { count: 2, ejected: 1, coolingDown: 1 },
    });
    expect(pool.endpoints[0]).toMatchObject({ inFlight: 2, isEjected: false, workers: { ejected: 0 } });
  });

  it('shows an endpoint every worker cools down on a Retry-After as cooling down and not serving', async () => {
    const pool = await listed(poolWith({}), [
      poolWith({ coolDownRemainingMs: 900 }, { healthyShare: 0.5 }),
      poolWith({ coolDownRemainingMs: 400 }, { healthyShare: 0.5 }),
    ]);
    expect(pool.endpoints[1]).toMatchObject({
      isServing: false,
      isCoolingDown: true,
      isEjected: false,
      workers: { count: 2, ejected: 0, coolingDown: 2 },
    });
  });

  it('takes the worst worker’s pool mode and the lowest effective weight', async () => {
    const pool = await listed(poolWith({}), [
      poolWith({ effectiveWeight: 0.4, slowStartRemainingMs: 500 }, { mode: 'failover' }),
      poolWith({}, { mode: 'panic' }),
    ]);
    expect(pool.mode).toBe('panic');
    expect(pool.endpoints[1]?.weight).toEqual({ configured: 4, current: 4, effective: 0.4 });
  });

  it('keeps the primary’s view when no worker answered', async () => {
    const pool = await listed(poolWith({}, { mode: 'failover', healthyShare: 0 }), []);
    expect(pool.mode).toBe('failover');
    expect(pool.endpoints[1]).toMatchObject({
      isServing: true,
      isEjected: false,
      workers: { count: 0, ejected: 0 },
    });
  });
});

describe('poolView of a single process', () => {
  it('shows an endpoint cooling down on its upstream’s Retry-After as not serving, though healthy', () => {
    const pool = poolView(poolWith({ coolDownRemainingMs: 2_500 }), new EndpointOverrides());
    expect(pool.endpoints[1]).toMatchObject({ isHealthy: true, isCoolingDown: true, isServing: false });
    expect(pool.endpoints[0]).toMatchObject({ isCoolingDown: false, isServing: true });
  });
});
