import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.ts';
import type { TrafficReading } from '../monitor/traffic.ts';

/** prom-client's `getMetricsAsJSON()` shape, as far as this reads it. */
type MetricJson = {
  readonly name: string;
  readonly values: readonly {
    readonly value: number;
    readonly labels: Partial<Record<string, string | number>>;
    readonly metricName?: string | undefined;
  }[];
};

/**
 * The gateway's cumulative request counters and duration histogram, out of a registry's JSON (one process,
 * or the primary's aggregate of its workers). Endpoint detail is summed away: traffic is per route and pool.
 */
export function trafficReadingOf(metrics: readonly MetricJson[]): TrafficReading {
  const requests = new Map<string, { route: string; pool: string; statusClass: string; count: number }>();
  const buckets = new Map<string, { route: string; pool: string; byLe: Map<number, number> }>();
  for (const metric of metrics) {
    if (metric.name === 'bulwark_gateway_requests_total') {
      for (const { value, labels } of metric.values) {
        const route = String(labels.route ?? '');
        const pool = String(labels.pool ?? '');
        const statusClass = String(labels.status_class ?? '');
        const key = `${route}|${pool}|${statusClass}`;
        const entry = requests.get(key) ?? { route, pool, statusClass, count: 0 };
        entry.count += value;
        requests.set(key, entry);
      }
    } else if (metric.name === 'bulwark_gateway_request_duration_seconds') {
      for (const { value, labels, metricName } of metric.values) {
        if (metricName !== 'bulwark_gateway_request_duration_seconds_bucket') continue;
        const route = String(labels.route ?? '');
        const pool = String(labels.pool ?? '');
        const le = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le);
        const key = `${route}|${pool}`;
        const entry = buckets.get(key) ?? { route, pool, byLe: new Map<number, number>() };
        entry.byLe.set(le, (entry.byLe.get(le) ?? 0) + value);
        buckets.set(key, entry);
      }
    }
  }
  return {
    requests: [...requests.values()],
    durations: [...buckets.values()].map(({ route, pool, byLe }) => ({
      route,
      pool,
      buckets: [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count })),
    })),
  };
}

/** The metrics a traffic reading needs. */
export const trafficMetricNames = [
  'bulwark_gateway_requests_total',
  'bulwark_gateway_request_duration_seconds',
];

/** Those metrics alone, as JSON: cheaper than the whole registry when it holds thousands of monitor series. */
export async function metricsNamed(registry: Registry, names: readonly string[]): Promise<MetricJson[]> {
  const metrics = await Promise.all(names.map(async (name) => registry.getSingleMetric(name)?.get()));
  return metrics.filter((metric) => metric !== undefined);
}

/**
 * `read`, shared by several pollers: a call at most `maxAgeMs` after the last reading started gets that
 * reading (joining it while under way). A failed reading is not kept, so the next call tries again.
 */
export function sharedReading<T>(read: () => Promise<T>, clock: Clock, maxAgeMs: number): () => Promise<T> {
  let last: { readonly startedMs: number; readonly reading: Promise<T> } | undefined;
  return () => {
    const nowMs = clock.nowMs();
    if (last !== undefined && nowMs - last.startedMs <= maxAgeMs) return last.reading;
    const entry = { startedMs: nowMs, reading: read() };
    last = entry;
    void entry.reading.catch(() => {
      if (last === entry) last = undefined;
    });
    return entry.reading;
  };
}
