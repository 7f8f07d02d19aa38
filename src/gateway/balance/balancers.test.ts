import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/seeded-random.ts';
import type { BalancerKind } from '../spec.ts';
import { describeBalancerContract, makeEndpoints } from './balancer.contract.ts';
import { balancers, createBalancer } from './index.ts';

for (const factory of balancers) describeBalancerContract(factory);

describe('balancer registry', () => {
  it('registers each kind once', () => {
    const kinds = balancers.map((factory) => factory.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(kinds).toHaveLength(5);
  });

  it('creates a working balancer for every kind', () => {
    const offered = makeEndpoints(3);
    for (const { kind } of balancers) {
      const balancer = createBalancer(kind, { random: seededRandom(1), nowMs: () => 0 });
      expect(offered).toContain(balancer.pick(offered, { hashKey: 'k' }));
    }
  });

  it('refuses an unknown kind with a config error', () => {
    const deps = { random: Math.random, nowMs: () => 0 };
    expect(() => createBalancer('fastest' as BalancerKind, deps)).toThrow(
      expect.objectContaining({ code: 'CFG_INVALID' }),
    );
  });
});
