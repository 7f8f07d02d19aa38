import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/seeded-random.ts';
import type { Endpoint } from '../endpoint.ts';
import type { Balancer } from './balancer.ts';
import { makeEndpoints } from './balancer.contract.ts';
import { consistentHash } from './consistent-hash.ts';

const create = (seed = 9) => consistentHash.create({ random: seededRandom(seed), nowMs: () => 0 });
const keys = Array.from({ length: 10_000 }, (_, i) => `session-${i}`);

function assign(balancer: Balancer, offered: readonly Endpoint[]): Map<string, Endpoint | undefined> {
  return new Map(keys.map((key) => [key, balancer.pick(offered, { hashKey: key })]));
}

/** Within 1.5 points: about 4 standard deviations for a 20% share of 10k keys. */
function expectShare(share: number | undefined, expected: number): void {
  expect(Math.abs((share ?? 0) - expected)).toBeLessThan(0.015);
}

function shares(assignment: Map<string, Endpoint | undefined>, offered: readonly Endpoint[]): number[] {
  const values = [...assignment.values()];
  return offered.map((endpoint) => values.filter((picked) => picked === endpoint).length / values.length);
}

describe('consistent-hash (weighted rendezvous)', () => {
  it('sends the same key to the same endpoint, whatever the instance or list order', () => {
    const offered = makeEndpoints(5);
    const first = assign(create(1), offered);
    expect(assign(create(2), offered)).toEqual(first);
    expect(assign(create(3), [...offered].reverse())).toEqual(first);
  });

  it('spreads keys evenly over equal weights', () => {
    const offered = makeEndpoints(5);
    for (const share of shares(assign(create(), offered), offered)) expectShare(share, 0.2);
  });

  it('remaps only the keys of an endpoint that leaves, and spreads them over the rest', () => {
    const offered = makeEndpoints(5);
    const before = assign(create(), offered);
    const leaving = offered[2]!;
    const remaining = offered.filter((endpoint) => endpoint !== leaving);
    const after = assign(create(), remaining);
    let moved = 0;
    for (const key of keys) {
      if (before.get(key) === leaving) moved += 1;
      else expect(after.get(key)).toBe(before.get(key));
    }
    expectShare(moved / keys.length, 0.2);
    for (const share of shares(after, remaining)) expectShare(share, 0.25);
    // And when it returns, exactly its old keys come back.
    expect(assign(create(), offered)).toEqual(before);
  });

  it('respects weights: 2:1 gets about two thirds', () => {
    const offered = makeEndpoints(2, [2, 1]);
    const [heavy, light] = shares(assign(create(), offered), offered);
    expectShare(heavy, 2 / 3);
    expectShare(light, 1 / 3);
  });

  it('without a key, falls back to a random, weight-respecting choice', () => {
    const offered = makeEndpoints(2, [3, 1]);
    const balancer = create();
    const picks = Array.from({ length: 4_000 }, () => balancer.pick(offered, {}));
    const heavyShare = picks.filter((picked) => picked === offered[0]).length / picks.length;
    expect(Math.abs(heavyShare - 0.75)).toBeLessThan(0.03);
    expect(balancer.pick(offered, { hashKey: '' })).toBeDefined();
  });

  it('walks a key on to its next choice while its endpoint is saturated, and back once a connection frees', () => {
    const offered = makeEndpoints(4);
    const balancer = create();
    const before = assign(balancer, offered);
    const full = offered[1]!;
    full.isSaturated = true;
    const during = assign(balancer, offered);
    // Its next choice is the one it would have without the full endpoint: affinity kept, nothing random.
    const without = assign(
      create(),
      offered.filter((endpoint) => endpoint !== full),
    );
    const expected = new Map(
      keys.map((key) => [key, before.get(key) === full ? without.get(key) : before.get(key)]),
    );
    expect(during).toEqual(expected);
    full.isSaturated = false;
    expect(assign(balancer, offered)).toEqual(before);
  });
});
