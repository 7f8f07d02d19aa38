import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/seeded-random.ts';
import type { Endpoint } from '../endpoint.ts';
import { makeEndpoints } from './balancer.contract.ts';
import { leastRequest } from './least-request.ts';

const create = () => leastRequest.create({ random: seededRandom(11), nowMs: () => 0 });

function withInFlight(counts: readonly number[], weights: readonly number[] = []): Endpoint[] {
  const endpoints = makeEndpoints(counts.length, weights);
  endpoints.forEach((endpoint, i) => (endpoint.inFlight = counts[i] ?? 0));
  return endpoints;
}

describe('least-request (P2C)', () => {
  it('with two endpoints, always compares both and takes the less busy', () => {
    const [idle, busy] = withInFlight([1, 4]);
    const balancer = create();
    for (let i = 0; i < 100; i++) {
      expect(balancer.pick([idle!, busy!], {})).toBe(idle);
      expect(balancer.pick([busy!, idle!], {})).toBe(idle);
    }
  });

  it('sends more to endpoints with fewer requests in flight', () => {
    const offered = withInFlight([0, 3, 6, 9]);
    const balancer = create();
    const counts = offered.map(() => 0);
    for (let i = 0; i < 12_000; i++) counts[offered.indexOf(balancer.pick(offered, {})!)]! += 1;
    // P2C with distinct loads: rank r of n wins (n − 1 − r) of its (n − 1) pairs → shares 3:2:1:0 of 6.
    expect(counts[0]! / 12_000).toBeCloseTo(3 / 6, 1);
    expect(counts[1]! / 12_000).toBeCloseTo(2 / 6, 1);
    expect(counts[2]! / 12_000).toBeCloseTo(1 / 6, 1);
    expect(counts[3]).toBe(0);
  });

  it('weighs in-flight by weight: weight 3 with 1 in flight beats weight 1 idle', () => {
    const [heavy, light] = withInFlight([1, 0], [3, 1]);
    expect(create().pick([heavy!, light!], {})).toBe(heavy);
    heavy!.inFlight = 3;
    expect(create().pick([heavy!, light!], {})).toBe(light);
  });

  it('spreads evenly when all are equally loaded', () => {
    const offered = withInFlight([2, 2, 2, 2]);
    const balancer = create();
    const counts = offered.map(() => 0);
    for (let i = 0; i < 8_000; i++) counts[offered.indexOf(balancer.pick(offered, {})!)]! += 1;
    for (const count of counts) expect(count / 8_000).toBeCloseTo(0.25, 1);
  });
});
