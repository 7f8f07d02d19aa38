import type { Config } from '../../config/index.ts';

/**
 * What each of `workers` gateway workers enforces of the pools' fixed concurrency limits: an equal share,
 * rounded up, since the primary hands connections out round-robin. Adaptive limits need no share: each
 * worker measures the latency its own requests see. Rate limits are not shared out at all: the primary
 * holds the buckets (RemoteRateLimitStore), so they stay exact.
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
  return { ...config, pools };
}
