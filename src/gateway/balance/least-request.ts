import type { Endpoint } from '../endpoint.ts';
import type { BalancerFactory } from './balancer.ts';
import { PowerOfTwoChoices } from './p2c.ts';

/**
 * Envoy's weighted least-request score, inverted so lower wins: (inFlight + 1) / weight, with the weight
 * as slow start has ramped it at `nowMs`
 * (Envoy: weight / (active_requests + 1) ^ active_request_bias, bias 1). With equal weights this is
 * plain "fewer in flight wins". Envoy schedules unequal weights with EDF over all hosts; we keep P2C,
 * which is O(1) and copy-free. The trade-off: at zero load the heavier endpoint wins every pair it is
 * in, so heavy endpoints get more than their share when idle, and the share converges as load builds.
 */
export function leastRequestLoad(endpoint: Endpoint, nowMs: number): number {
  return (endpoint.inFlight + 1) / endpoint.effectiveWeight(nowMs);
}

export const leastRequest: BalancerFactory<'least-request'> = {
  kind: 'least-request',
  create: (deps) => new PowerOfTwoChoices(deps, leastRequestLoad),
};
