import type { EndpointStatus, PoolStatus } from '../../core/index.ts';
import { createWorkerMetrics } from './worker.ts';

/** An endpoint as one process sees it: ready, healthy, weight 4, nothing in flight; `status` as given. */
export function endpointStatus(id: string, status: Partial<EndpointStatus> = {}): EndpointStatus {
  return {
    id,
    url: `http://${id}`,
    weight: 4,
    configuredWeight: 4,
    effectiveWeight: 4,
    slowStartRemainingMs: 0,
    isHealthy: true,
    isEjected: false,
    coolDownRemainingMs: 0,
    isDraining: false,
    isInMaintenance: false,
    adminState: 'ready',
    configuredState: 'ready',
    inFlight: 0,
    ejections: 0,
    ...status,
  };
}

/** Pool `api` with endpoints a:80 and b:80 as one process sees it; `b` (and `a`) as given. */
export function apiPoolWith(
  b: Partial<EndpointStatus>,
  pool: Partial<PoolStatus> = {},
  a: Partial<EndpointStatus> = {},
): PoolStatus {
  return {
    name: 'api',
    mode: 'normal',
    healthyShare: 1,
    endpoints: [endpointStatus('a:80', a), endpointStatus('b:80', b)],
    ...pool,
  };
}

/** The registry (as JSON) of a worker whose pools read `pool`, as the primary scrapes it. */
export async function workerRegistrySeeing(pool: PoolStatus) {
  const metrics = createWorkerMetrics(() => [pool], { processMetrics: false });
  metrics.close();
  return metrics.registry.getMetricsAsJSON();
}
