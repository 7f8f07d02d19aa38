import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Balancer } from '../../src/gateway/balance/balancer.ts';
import type { Endpoint } from '../../src/gateway/endpoint.ts';
import type { HealthProbeFactory, Probe } from '../../src/gateway/health/health-probe.ts';
import type { HealthCheckSpec, OutlierDetectionSpec, PoolSpec } from '../../src/gateway/spec.ts';
import type { FakeClock } from './fake-clock.ts';

export const outlierSpec: OutlierDetectionSpec = {
  consecutiveFailures: 3,
  baseEjectionMs: 30_000,
  maxEjectionMs: 100_000,
  maxEjectedFraction: 0.5,
  intervalMs: 10_000,
  unejectOnHealthCheck: true,
};

export const checkSpec: HealthCheckSpec = {
  path: '/healthz',
  intervalMs: 1_000,
  timeoutMs: 500,
  unhealthyThreshold: 2,
  healthyThreshold: 2,
};

/** A pool spec with `count` endpoints on 10.0.<octet>.<n>:80 and test-friendly defaults. */
export function poolSpec(count: number, overrides: Partial<PoolSpec> = {}, octet = 0): PoolSpec {
  return {
    balancer: 'round-robin',
    endpoints: Array.from({ length: count }, (_, i) => ({
      url: `http://10.0.${octet}.${i + 1}`,
      weight: 1,
      drain: false,
    })),
    healthCheck: checkSpec,
    outlierDetection: outlierSpec,
    panicThreshold: 0.5,
    slowStartMs: 0,
    maxConnectionsPerEndpoint: 8,
    keepAliveTimeoutMs: 4_000,
    queue: { maxLength: 32, timeoutMs: 1_000 },
    maxCoolDownMs: 60_000,
    overloadStatuses: [429, 503],
    ...overrides,
  };
}

/** Picks the first endpoint offered and remembers every offer, so tests see exactly what was eligible. */
export function recordingBalancer(): Balancer & { offers: (readonly Endpoint[])[] } {
  const offers: (readonly Endpoint[])[] = [];
  return {
    offers,
    pick(ready) {
      offers.push(ready);
      return ready[0];
    },
  };
}

/** A probe whose answer per endpoint id the test sets; unknown endpoints pass. `healthProbeFor` hands it to pools. */
export function scriptedProbe(): {
  probe: Probe;
  healthProbeFor: HealthProbeFactory;
  verdicts: Map<string, boolean>;
  calls: string[];
} {
  const verdicts = new Map<string, boolean>();
  const calls: string[] = [];
  const probe: Probe = (endpoint) => {
    calls.push(endpoint.id);
    return Promise.resolve(verdicts.get(endpoint.id) ?? true);
  };
  const healthProbeFor: HealthProbeFactory = () => ({ probe, close: () => Promise.resolve() });
  return { probe, healthProbeFor, verdicts, calls };
}

/** Lets every pending promise continuation run (a macrotask turn; no wall-clock wait). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Advances the fake clock in small steps, settling between them, so an async check's continuation runs
 * at the fake time its probe answered rather than after its timeout timer.
 */
export async function advanceSettled(clock: FakeClock, ms: number, stepMs = 10): Promise<void> {
  for (let doneMs = 0; doneMs < ms; doneMs += stepMs) {
    clock.advance(Math.min(stepMs, ms - doneMs));
    await settle();
  }
}

/** Collects what is published on a diagnostics channel until stop(). */
export function captureChannel<T>(name: string): { events: T[]; stop: () => void } {
  const events: T[] = [];
  const onMessage = (message: unknown): void => {
    events.push(message as T);
  };
  subscribe(name, onMessage);
  return { events, stop: () => unsubscribe(name, onMessage) };
}
