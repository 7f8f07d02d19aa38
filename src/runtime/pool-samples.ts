import type { PoolSample } from '../alerting/sources/pool-rules.ts';
import type { TrafficReading } from '../monitor/traffic.ts';

/**
 * The pool rules' reading: each pool's healthy share now, and its cumulative requests, 5xx answers and
 * latency histogram summed over routes (the gateway's counters, in one process or summed over workers).
 */
export function poolSamplesOf(
  pools: readonly { readonly name: string; readonly healthyShare: number }[],
  reading: TrafficReading,
): PoolSample[] {
  return pools.map((pool) => {
    let requests = 0;
    let errors = 0;
    for (const row of reading.requests) {
      if (row.pool !== pool.name) continue;
      requests += row.count;
      if (row.statusClass === '5xx') errors += row.count;
    }
    const byLeMs = new Map<number, number>();
    for (const series of reading.durations) {
      if (series.pool !== pool.name) continue;
      for (const bucket of series.buckets) {
        const leMs = bucket.le === Number.POSITIVE_INFINITY ? bucket.le : bucket.le * 1_000;
        byLeMs.set(leMs, (byLeMs.get(leMs) ?? 0) + bucket.count);
      }
    }
    const latencyBuckets = [...byLeMs].sort((a, b) => a[0] - b[0]).map(([leMs, count]) => ({ leMs, count }));
    return { pool: pool.name, healthyShare: pool.healthyShare, requests, errors, latencyBuckets };
  });
}
