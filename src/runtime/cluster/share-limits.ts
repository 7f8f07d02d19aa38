import type { Config } from '../../config/index.ts';

/**
 * What each of `workers` gateway workers enforces of the limits a config gives for the whole gateway: an
 * equal share of the pools' fixed concurrency limits, rounded up, since the primary hands connections out
 * round-robin, and of each route's retry budget reserve (min_per_second: each worker holds a budget of its
 * own, so unshared, 64 workers would allow 64× the retries a quiet route may make). Ratios (the budget's,
 * upstream_throttle's) and adaptive limits need no share: each worker applies them to its own requests.
 * Rate limits are not shared out at all: the primary holds the buckets (RemoteRateLimitStore), so they stay
 * exact. max_connections_per_endpoint stays per worker, as limits.max_connections (operations.md).
 */
export function workerShareOf(config: Config, workers: number): Config {
  if (workers <= 1) return config;
  const share = (limit: number): number => Math.max(1, Math.ceil(limit / workers));
  const pools = Object.fromEntries(
    Object.entries(config.pools).map(([name, pool]) => [
      name,
      {
        ...pool,
        concurrency:
          pool.concurrency?.kind === 'fixed'
            ? { ...pool.concurrency, maxInFlight: share(pool.concurrency.maxInFlight) }
            : pool.concurrency,
        endpointMaxInFlight:
          pool.endpointMaxInFlight === undefined ? undefined : share(pool.endpointMaxInFlight),
      },
    ]),
  );
  const routes = config.routes.map((route) => ({
    ...route,
    retry: {
      ...route.retry,
      budget: { ...route.retry.budget, minPerSecond: reserveShare(route.retry.budget, workers) },
    },
  }));
  return { ...config, pools, routes };
}

/**
 * min_per_second ÷ workers, but never a reserve (min_per_second × ttl) below one retry where the whole had one:
 * a retry needs a whole token, so `min_per_second: 1, ttl: 1s` split over 2 workers would allow none anywhere.
 */
function reserveShare(budget: { minPerSecond: number; ttlMs: number }, workers: number): number {
  const oneRetryPerSecond = 1_000 / budget.ttlMs;
  return Math.max(budget.minPerSecond / workers, Math.min(budget.minPerSecond, oneRetryPerSecond));
}
