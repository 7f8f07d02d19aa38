import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { seededRandom } from '../../../test/support/seeded-random.ts';
import { Endpoint } from '../endpoint.ts';
import type { Balancer, BalancerFactory, PickHint } from './balancer.ts';

/** Endpoints on 127.0.0.1:9001… in a pool named 'pool'; weights default to 1. */
export function makeEndpoints(count: number, weights: readonly number[] = []): Endpoint[] {
  return Array.from(
    { length: count },
    (_, i) =>
      new Endpoint('pool', { url: `http://127.0.0.1:${9001 + i}`, weight: weights[i] ?? 1, drain: false }),
  );
}

/** A different key per call: consistent-hash spreads only across keys, the others ignore it. */
const hintFor = (i: number): PickHint => ({ hashKey: `user-${i}` });

function loadState(endpoint: Endpoint): unknown {
  const { weight, isDraining, isHealthy, ejectedUntilMs, inFlight, isSaturated, ewmaCostMs, ewmaStampMs } =
    endpoint;
  return { weight, isDraining, isHealthy, ejectedUntilMs, inFlight, isSaturated, ewmaCostMs, ewmaStampMs };
}

/** What every Balancer promises, whatever its policy; run for each registered factory. */
export function describeBalancerContract(factory: BalancerFactory): void {
  describe(`${factory.kind}: Balancer contract`, () => {
    let clock: FakeClock;
    let balancer: Balancer;
    beforeEach(() => {
      clock = new FakeClock();
      balancer = factory.create({ random: seededRandom(7), nowMs: () => clock.nowMs() });
    });

    it('returns undefined when offered nothing', () => {
      expect(balancer.pick([], {})).toBeUndefined();
      expect(balancer.pick([], { hashKey: 'k' })).toBeUndefined();
    });

    it('returns the only endpoint offered', () => {
      const [only] = makeEndpoints(1);
      expect(balancer.pick([only!], {})).toBe(only);
      expect(balancer.pick([only!], { hashKey: 'k' })).toBe(only);
    });

    it('returns only endpoints it was offered, with or without a hint', () => {
      const all = makeEndpoints(6);
      for (let i = 0; i < 600; i++) {
        const offered = all.slice(i % 3, 3 + (i % 4));
        expect(offered).toContain(balancer.pick(offered, hintFor(i)));
        expect(offered).toContain(balancer.pick(offered, {}));
      }
    });

    it('picks every offered endpoint eventually', () => {
      const offered = makeEndpoints(5);
      const picked = new Set<Endpoint | undefined>();
      for (let i = 0; i < 1_000; i++) picked.add(balancer.pick(offered, hintFor(i)));
      expect(picked).toEqual(new Set(offered));
    });

    it('changes neither the endpoints nor the list', () => {
      const offered = Object.freeze(makeEndpoints(4, [1, 2, 3, 4]));
      offered.forEach((endpoint, i) => {
        endpoint.inFlight = i * 2;
        endpoint.ewmaCostMs = i * 10;
        endpoint.ewmaStampMs = clock.nowMs() - i * 1_000;
      });
      offered[3]!.isHealthy = false;
      offered[1]!.isSaturated = true;
      const before = offered.map(loadState);
      for (let i = 0; i < 500; i++) {
        balancer.pick(offered, hintFor(i));
        clock.advance(7);
      }
      expect(offered.map(loadState)).toEqual(before);
    });

    it('passes over an endpoint with every connection busy while another has room', () => {
      const offered = makeEndpoints(5, [1, 2, 3, 4, 5]);
      // The heaviest and the least loaded are full: neither weight nor load may outrank having a connection.
      for (const index of [0, 2, 4]) offered[index]!.isSaturated = true;
      offered.forEach((endpoint, i) => (endpoint.inFlight = endpoint.isSaturated ? 0 : 10 + i));
      const picked = new Set<Endpoint | undefined>();
      for (let i = 0; i < 1_000; i++) {
        picked.add(balancer.pick(offered, hintFor(i)));
        picked.add(balancer.pick(offered, {}));
      }
      expect(picked).toEqual(new Set([offered[1], offered[3]]));
    });

    it('still picks, among all offered, when every endpoint is saturated', () => {
      const offered = makeEndpoints(3);
      for (const endpoint of offered) endpoint.isSaturated = true;
      const picked = new Set<Endpoint | undefined>();
      for (let i = 0; i < 600; i++) picked.add(balancer.pick(offered, hintFor(i)));
      expect(picked).toEqual(new Set(offered));
    });

    it('follows the list when it changes between calls', () => {
      const [a, b, c, d, e] = makeEndpoints(5) as [Endpoint, Endpoint, Endpoint, Endpoint, Endpoint];
      const lists = [[a, b, c, d], [a, b], [c, d, e], [e], [b, e], [e, d, c, b, a]];
      for (let round = 0; round < 50; round++) {
        for (const [i, offered] of lists.entries()) {
          expect(offered).toContain(balancer.pick(offered, hintFor(round * 10 + i)));
        }
      }
      // After a shrink and a regrow, every member of the new list still gets its turn.
      const picked = new Set<Endpoint | undefined>();
      for (let i = 0; i < 500; i++) picked.add(balancer.pick([c, d, e], hintFor(i)));
      expect(picked).toEqual(new Set([c, d, e]));
    });
  });
}
