import type { Endpoint } from '../endpoint.ts';
import type { HealthCheckSpec } from '../spec.ts';

/** One active check of one endpoint: resolves true when healthy; a rejection counts as a failure and names why. */
export type Probe = (endpoint: Endpoint, signal: AbortSignal) => Promise<boolean>;

/** A pool's active check with whatever connections it holds; the pool closes it when it stops. */
export interface HealthProbe {
  readonly probe: Probe;
  /** Closes every connection; checks in flight fail. */
  close(): Promise<void>;
}

/**
 * Builds the active check for a pool with a `health_check`. The composition root supplies it (the HTTP check
 * of monitor/), so the data plane sends no check traffic of its own making.
 */
export type HealthProbeFactory = (spec: HealthCheckSpec) => HealthProbe;
