import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../endpoint.ts';
import { makeEndpoints } from './balancer.contract.ts';
import { weightedRoundRobin } from './weighted-round-robin.ts';

const create = () => weightedRoundRobin.create({ random: Math.random, nowMs: () => 0 });

function countPicks(pick: () => Endpoint | undefined, times: number): Map<string | undefined, number> {
  const counts = new Map<string | undefined, number>();
  for (let i = 0; i < times; i++) {
    const id = pick()?.id;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe('weighted-round-robin (smooth, nginx)', () => {
  it('interleaves 5,1,1 as a a b a c a a, cycle after cycle', () => {
    const offered = makeEndpoints(3, [5, 1, 1]);
    const name = new Map(offered.map((endpoint, i) => [endpoint, 'abc'[i]]));
    const balancer = create();
    const sequence = Array.from({ length: 21 }, () => name.get(balancer.pick(offered, {})!)).join('');
    expect(sequence).toBe('aabacaa'.repeat(3));
  });

  it('gives exact shares over whole cycles', () => {
    const offered = makeEndpoints(4, [3, 2, 1, 4]);
    const balancer = create();
    const counts = countPicks(() => balancer.pick(offered, {}), 10 * 1_000);
    expect(offered.map((endpoint) => counts.get(endpoint.id))).toEqual([3_000, 2_000, 1_000, 4_000]);
  });

  it('rotates evenly when weights are equal', () => {
    const offered = makeEndpoints(3);
    const balancer = create();
    const ids = Array.from({ length: 6 }, () => balancer.pick(offered, {})?.id);
    expect(new Set(ids.slice(0, 3)).size).toBe(3);
    expect(ids.slice(3)).toEqual(ids.slice(0, 3));
  });

  it('keeps its state by endpoint id, across rebuilt lists', () => {
    const balancer = create();
    const first = Array.from({ length: 3 }, () => balancer.pick(makeEndpoints(3, [5, 1, 1]), {})?.id);
    const rest = Array.from({ length: 4 }, () => balancer.pick(makeEndpoints(3, [5, 1, 1]), {})?.id);
    const [a, b, c] = makeEndpoints(3).map((endpoint) => endpoint.id);
    expect([...first, ...rest]).toEqual([a, a, b, a, c, a, a]);
  });

  it('shares evenly among the endpoints left after one leaves', () => {
    const [a, b, c] = makeEndpoints(3, [5, 1, 1]) as [Endpoint, Endpoint, Endpoint];
    const balancer = create();
    for (let i = 0; i < 4; i++) balancer.pick([a, b, c], {});
    // The leaver's share of the cycle is redistributed; leftover current weights skew only a few picks.
    const counts = countPicks(() => balancer.pick([c, b], {}), 1_000);
    expect(Math.abs((counts.get(b.id) ?? 0) - 500)).toBeLessThanOrEqual(4);
    expect(Math.abs((counts.get(c.id) ?? 0) - 500)).toBeLessThanOrEqual(4);
  });

  it('brings a joining endpoint in at its weight, without a burst', () => {
    const [a, b, c] = makeEndpoints(3, [1, 1, 2]) as [Endpoint, Endpoint, Endpoint];
    const balancer = create();
    for (let i = 0; i < 5; i++) balancer.pick([a, b], {});
    const picks = Array.from({ length: 400 }, () => balancer.pick([a, b, c], {}));
    expect(picks.filter((picked) => picked === c)).toHaveLength(200);
    // Smooth: the newcomer never takes more than its weight's worth of picks in a row.
    const longestRun = Math.max(...picks.map((_, i) => runLength(picks, i, c)));
    expect(longestRun).toBeLessThanOrEqual(2);
  });
});

function runLength(picks: readonly (Endpoint | undefined)[], from: number, target: Endpoint): number {
  let length = 0;
  while (picks[from + length] === target) length++;
  return length;
}
