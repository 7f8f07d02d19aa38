import type { PoolMode } from '../../core/index.ts';
import type { WorkersEndpointReading, WorkersView } from '../../services/index.ts';
import type { WorkerMetrics } from './messages.ts';

type MetricJson = WorkerMetrics[number];

interface MutableReading {
  inFlight: number;
  ejections: number;
  ejectedIn: number;
  coolingDownIn: number;
  effectiveWeight: number;
}

/**
 * The admin API's view of the workers' traffic, from the same scrapes /metrics sums: `workers` holds each
 * live worker's registry (a silent one's last), `totals` the cluster's sums (dead workers' counters included).
 */
export function workersViewOf(workers: readonly WorkerMetrics[], totals: WorkerMetrics): WorkersView {
  const endpoints = new Map<string, MutableReading>();
  const readingOf = (labels: MetricJson['values'][number]['labels']): MutableReading => {
    const key = `${String(labels.pool ?? '')}/${String(labels.endpoint ?? '')}`;
    let reading = endpoints.get(key);
    if (!reading) {
      reading = { inFlight: 0, ejections: 0, ejectedIn: 0, coolingDownIn: 0, effectiveWeight: Infinity };
      endpoints.set(key, reading);
    }
    return reading;
  };
  const pools = new Map<string, { isPanic: boolean; isFailover: boolean; healthyShare: number }>();
  const poolOf = (labels: MetricJson['values'][number]['labels']) => {
    const name = String(labels.pool ?? '');
    let pool = pools.get(name);
    if (!pool) {
      pool = { isPanic: false, isFailover: false, healthyShare: 1 };
      pools.set(name, pool);
    }
    return pool;
  };
  for (const metrics of workers)
    for (const metric of metrics)
      for (const { labels, value } of metric.values) {
        switch (metric.name) {
          case 'bulwark_gateway_endpoint_in_flight':
            readingOf(labels).inFlight += value;
            break;
          case 'bulwark_gateway_endpoint_ejected':
            readingOf(labels).ejectedIn += Number(value > 0);
            break;
          case 'bulwark_gateway_endpoint_cooling_down':
            readingOf(labels).coolingDownIn += Number(value > 0);
            break;
          case 'bulwark_gateway_endpoint_weight': {
            const reading = readingOf(labels);
            reading.effectiveWeight = Math.min(reading.effectiveWeight, value);
            break;
          }
          case 'bulwark_gateway_pool_panic':
            poolOf(labels).isPanic ||= value > 0;
            break;
          case 'bulwark_gateway_pool_failover':
            poolOf(labels).isFailover ||= value > 0;
            break;
          case 'bulwark_gateway_pool_healthy_share': {
            const pool = poolOf(labels);
            pool.healthyShare = Math.min(pool.healthyShare, value);
            break;
          }
        }
      }
  // The counter, not the workers' own counts: a worker that died keeps its ejections in it, as in /metrics.
  for (const metric of totals)
    if (metric.name === 'bulwark_gateway_ejections_total')
      for (const { labels, value } of metric.values) readingOf(labels).ejections += value;
  return {
    count: workers.length,
    endpoints: new Map([...endpoints].map(([key, reading]) => [key, completed(reading)])),
    pools: new Map(
      [...pools].map(([name, pool]) => [
        name,
        { mode: worstMode(pool.isPanic, pool.isFailover), healthyShare: pool.healthyShare },
      ]),
    ),
  };
}

/** No weight when no live worker has the endpoint (only a dead worker's ejection counter names it). */
function completed(reading: MutableReading): WorkersEndpointReading {
  const { effectiveWeight } = reading;
  return { ...reading, effectiveWeight: Number.isFinite(effectiveWeight) ? effectiveWeight : undefined };
}

/** Panic (no pool of the chain can serve) before failover (another pool serves), as modeRank in pool-views. */
function worstMode(isPanic: boolean, isFailover: boolean): PoolMode {
  if (isPanic) return 'panic';
  return isFailover ? 'failover' : 'normal';
}
