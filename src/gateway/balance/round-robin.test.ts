import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/seeded-random.ts';
import type { Endpoint } from '../endpoint.ts';
import { makeEndpoints } from './balancer.contract.ts';
import { roundRobin } from './round-robin.ts';

const create = (seed = 3) => roundRobin.create({ random: seededRandom(seed), nowMs: () => 0 });

describe('round-robin', () => {
  it('serves the offered list in order, wrapping around', () => {
    const offered = makeEndpoints(3);
    const balancer = create();
    const first = balancer.pick(offered, {})!;
    const start = offered.indexOf(first);
    const next = Array.from({ length: 6 }, () => balancer.pick(offered, {}));
    expect(next).toEqual([1, 2, 3, 4, 5, 6].map((step) => offered[(start + step) % 3]));
  });

  it('starts at a seed-dependent offset, so workers do not march in step', () => {
    const offered = makeEndpoints(5);
    const firsts = new Set(Array.from({ length: 20 }, (_, seed) => create(seed).pick(offered, {})));
    expect(firsts.size).toBeGreaterThan(1);
  });

  it('keeps the rotation fair after the list shrinks', () => {
    const [a, b, c, d] = makeEndpoints(4) as [Endpoint, Endpoint, Endpoint, Endpoint];
    const balancer = create();
    for (let i = 0; i < 3; i++) balancer.pick([a, b, c, d], {});
    const counts = new Map<Endpoint | undefined, number>();
    for (let i = 0; i < 300; i++) {
      const picked = balancer.pick([b, d], {});
      counts.set(picked, (counts.get(picked) ?? 0) + 1);
    }
    expect(counts).toEqual(
      new Map([
        [b, 150],
        [d, 150],
      ]),
    );
  });

  it('passes over an endpoint while every connection to it is busy, and gives it its turn once one frees', () => {
    const [a, b, c] = makeEndpoints(3) as [Endpoint, Endpoint, Endpoint];
    const balancer = create();
    b.isSaturated = true;
    const during = Array.from({ length: 6 }, () => balancer.pick([a, b, c], {}));
    expect(during.filter((picked) => picked === a)).toHaveLength(3);
    expect(during.filter((picked) => picked === c)).toHaveLength(3);
    b.isSaturated = false;
    const after = Array.from({ length: 3 }, () => balancer.pick([a, b, c], {}));
    expect(new Set(after)).toEqual(new Set([a, b, c]));
  });
});
