import type { PoolStatus } from '../core/events.ts';
import type { HealthVerdict } from './health-verdicts.ts';
import type { PoolGate } from './overload/pool-gates.ts';
import type { PoolSet } from './pool-set.ts';

/** The pools as the admin API shows them, with their overload state where a gate or throttle exists. */
export function poolStatuses(
  pools: PoolSet,
  gates: ReadonlyMap<string, PoolGate>,
  nowMs: number,
): readonly PoolStatus[] {
  return pools.status().map((pool) => {
    const gate = gates.get(pool.name);
    const throttle = pools.get(pool.name)?.throttle;
    if (!gate && !throttle) return pool;
    return {
      ...pool,
      overload: {
        limit: gate?.hasPoolLimit ? gate.gate.limit : undefined,
        inFlight: gate?.gate.inFlight ?? 0,
        queued: gate?.gate.queued ?? 0,
        shedTotal: gate?.gate.shed ?? 0,
        queueTimeoutsTotal: gate?.gate.timedOut ?? 0,
        minRttMs: gate?.adaptive?.minRttMs,
        latencySamplesTotal: gate?.adaptive?.samples,
        throttleProbability: throttle?.rejectProbability(nowMs),
      },
    };
  });
}

/** Health verdicts a previous snapshot reached, for endpoints that still exist: a reload must not flap. */
export function inheritVerdicts(pools: PoolSet, previous: readonly PoolStatus[]): void {
  const verdicts = new Map<string, boolean>();
  for (const pool of previous)
    for (const endpoint of pool.endpoints) verdicts.set(`${pool.name}/${endpoint.id}`, endpoint.isHealthy);
  for (const pool of pools.pools) {
    for (const endpoint of pool.endpoints)
      endpoint.isHealthy = verdicts.get(`${pool.name}/${endpoint.id}`) ?? endpoint.isHealthy;
    pool.refresh();
  }
}

/** Verdicts decided elsewhere (a cluster worker's primary runs the checks); unknown endpoints are ignored. */
export function applyVerdicts(pools: PoolSet, verdicts: readonly HealthVerdict[]): void {
  const byKey = new Map(verdicts.map((v) => [`${v.pool}/${v.endpoint}`, v.isHealthy]));
  for (const pool of pools.pools) {
    let isChanged = false;
    for (const endpoint of pool.endpoints) {
      const isHealthy = byKey.get(`${pool.name}/${endpoint.id}`);
      if (isHealthy === undefined || isHealthy === endpoint.isHealthy) continue;
      endpoint.isHealthy = isHealthy;
      isChanged = true;
    }
    if (isChanged) pool.refresh();
  }
}
