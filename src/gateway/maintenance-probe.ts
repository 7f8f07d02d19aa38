import type { Probe } from './health/health-probe.ts';

/**
 * Pauses active checks of an endpoint in maintenance (HAProxy MAINT): the probe answers the standing
 * verdict without touching the network, so the health tracker sees no change, an endpoint being worked on
 * raises no health alerts, and checks resume from the same verdict when it is set ready again.
 */
export function pausedInMaintenance(probe: Probe): Probe {
  return (endpoint, signal) =>
    endpoint.isInMaintenance ? Promise.resolve(endpoint.isHealthy) : probe(endpoint, signal);
}
