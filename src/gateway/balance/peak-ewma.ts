import type { Endpoint } from '../endpoint.ts';
import type { BalancerFactory } from './balancer.ts';
import { decayedCostMs } from './ewma.ts';
import { PowerOfTwoChoices } from './p2c.ts';

/** Finagle PeakEwma's `Penalty` (Long.MaxValue >> 16): the load of an unsampled endpoint already busy. */
const unsampledBusyLoad = 2 ** 47;

/**
 * Finagle's load: decayed cost × (inFlight + 1), divided by the (slow-start ramped) weight so pool
 * weights mean something here too. An endpoint with no sample yet follows Finagle rather than a default RTT (linkerd2-proxy 30 ms,
 * tower 1 s): load 0 while idle, so it is tried at once, and a huge load while its first request is in
 * flight, so it is never flooded before its latency is known. A fixed default would either flood a slow
 * newcomer (30 ms against 800 ms peers) or starve a fast one.
 */
export function peakEwmaLoad(endpoint: Endpoint, nowMs: number): number {
  if (endpoint.ewmaCostMs === 0) return endpoint.inFlight === 0 ? 0 : unsampledBusyLoad + endpoint.inFlight;
  return (decayedCostMs(endpoint, nowMs) * (endpoint.inFlight + 1)) / endpoint.effectiveWeight(nowMs);
}

/** P2C over peak-EWMA load. Reads the cost that recordLatency (ewma.ts) writes; never writes it. */
export const peakEwma: BalancerFactory<'peak-ewma'> = {
  kind: 'peak-ewma',
  create: (deps) => new PowerOfTwoChoices(deps, peakEwmaLoad),
};
