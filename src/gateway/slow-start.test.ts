import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { seededRandom } from '../../test/support/seeded-random.ts';
import { makeEndpoints } from './balance/balancer.contract.ts';
import { balancers } from './balance/index.ts';
import { recordLatency } from './balance/ewma.ts';
import type { Endpoint } from './endpoint.ts';
import { slowStartFactor } from './slow-start.ts';

const windowMs = 10_000;

describe('slowStartFactor (Envoy: max(10 %, elapsed / window))', () => {
  it.each([
    [0, 0.1],
    [500, 0.1],
    [1_000, 0.1],
    [2_500, 0.25],
    [5_000, 0.5],
    [9_000, 0.9],
    [10_000, 1],
    [60_000, 1],
  ])('at %i ms of a 10 s window gives %d', (elapsedMs, factor) => {
    expect(slowStartFactor(elapsedMs, windowMs)).toBeCloseTo(factor, 12);
  });

  it('is 1 without a window, and never below the floor for a clock that went backwards', () => {
    expect(slowStartFactor(0, 0)).toBe(1);
    expect(slowStartFactor(-5, windowMs)).toBe(0.1);
  });
});

describe('Endpoint.effectiveWeight on a fake clock', () => {
  it('ramps the weight from the 10 % floor through half to full over the window', () => {
    const clock = new FakeClock(0);
    const [endpoint] = makeEndpoints(1, [4]) as [Endpoint];
    expect(endpoint.effectiveWeight(clock.nowMs())).toBe(4);
    endpoint.slowStart.begin(clock.nowMs(), windowMs);
    expect(endpoint.effectiveWeight(clock.nowMs())).toBeCloseTo(0.4, 12);
    expect(endpoint.slowStart.remainingMs(clock.nowMs())).toBe(10_000);
    clock.advance(5_000);
    expect(endpoint.effectiveWeight(clock.nowMs())).toBeCloseTo(2, 12);
    expect(endpoint.slowStart.remainingMs(clock.nowMs())).toBe(5_000);
    clock.advance(5_000);
    expect(endpoint.effectiveWeight(clock.nowMs())).toBe(4);
    expect(endpoint.slowStart.remainingMs(clock.nowMs())).toBe(0);
  });

  it('scales a weight changed during the ramp', () => {
    const [endpoint] = makeEndpoints(1, [4]) as [Endpoint];
    endpoint.slowStart.begin(0, windowMs);
    endpoint.weight = 10;
    expect(endpoint.effectiveWeight(7_500)).toBeCloseTo(7.5, 12);
  });

  it('continues a ramp under way, but never restarts one that has finished', () => {
    const [before, after, late] = makeEndpoints(3) as [Endpoint, Endpoint, Endpoint];
    before.slowStart.begin(0, windowMs);
    after.slowStart.continueFrom(before.slowStart, 4_000, windowMs);
    expect(after.effectiveWeight(4_000)).toBeCloseTo(0.4, 12);
    // A longer window in the new config stretches the ramp still under way.
    late.slowStart.continueFrom(before.slowStart, 12_000, 60_000);
    expect(late.effectiveWeight(12_000)).toBe(1);
  });
});

// Long enough that the 20 s the simulation takes moves the ramp by a negligible 0.002 %.
const longWindowMs = 1_000_000_000;
const ok = { kind: 'success', status: 200, latencyMs: 20 } as const;

/** Three equal endpoints, the first `elapsedFraction` into its ramp; every one has the same latency sample. */
function rampingFirst(clock: FakeClock, elapsedFraction: number): Endpoint[] {
  const endpoints = makeEndpoints(3);
  endpoints[0]!.slowStart.begin(clock.nowMs() - elapsedFraction * longWindowMs, longWindowMs);
  // Peak-EWMA tries unsampled endpoints first; a sample each keeps that out of the comparison.
  for (const endpoint of endpoints) recordLatency(endpoint, ok, clock.nowMs());
  return endpoints;
}

/**
 * One request per fake millisecond, each holding its endpoint for 20 ms, so about 20 are in flight and
 * the load-aware balancers (least-request, peak-EWMA) feel the pressure that makes them follow weights.
 */
function simulateShares(kind: string, endpoints: readonly Endpoint[], clock: FakeClock): number[] {
  const factory = balancers.find((entry) => entry.kind === kind)!;
  const balancer = factory.create({ random: seededRandom(3), nowMs: () => clock.nowMs() });
  const counts = endpoints.map(() => 0);
  const total = 20_000;
  for (let i = 0; i < total; i++) {
    const picked = balancer.pick(endpoints, { hashKey: `user-${i}` })!;
    counts[endpoints.indexOf(picked)]! += 1;
    picked.inFlight += 1;
    clock.setTimer(20, () => (picked.inFlight -= 1));
    clock.advance(1);
  }
  return counts.map((count) => count / total);
}

// Share of the ramping endpoint = factor / (factor + 2): the 10 % floor, half, and the full weight.
const rampPoints = [
  [0, 0.1 / 2.1],
  [0.5, 0.5 / 2.5],
  [1, 1 / 3],
] as const;

describe('balancers give a ramping endpoint traffic in proportion to its ramped weight', () => {
  for (const kind of ['weighted-round-robin', 'least-request', 'peak-ewma', 'consistent-hash']) {
    it.each(rampPoints)(`${kind}: at %s of the window, a share of %s`, (elapsedFraction, expected) => {
      const clock = new FakeClock();
      const [ramping, ...others] = simulateShares(kind, rampingFirst(clock, elapsedFraction), clock);
      expect(Math.abs(ramping! - expected)).toBeLessThan(0.02);
      for (const share of others) expect(Math.abs(share - (1 - expected) / 2)).toBeLessThan(0.02);
    });
  }
});
