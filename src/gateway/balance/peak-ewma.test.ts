import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { seededRandom } from '../../../test/support/seeded-random.ts';
import type { Outcome } from '../../core/index.ts';
import type { Endpoint } from '../endpoint.ts';
import type { Balancer } from './balancer.ts';
import { makeEndpoints } from './balancer.contract.ts';
import { recordLatency } from './ewma.ts';
import { peakEwma } from './peak-ewma.ts';

interface Behaviour {
  readonly latencyMs: number;
  readonly status: number;
}

function setup(seed = 5): { clock: FakeClock; balancer: Balancer } {
  const clock = new FakeClock();
  return { clock, balancer: peakEwma.create({ random: seededRandom(seed), nowMs: () => clock.nowMs() }) };
}

/** How the proxy reports a response (exchange.ts): 429 and 5xx as status failures. */
function outcomeOf({ latencyMs, status }: Behaviour): Outcome {
  return status === 429 || status >= 500
    ? { kind: 'failure', reason: 'status', status, latencyMs }
    : { kind: 'success', status, latencyMs };
}

/** One request every `intervalMs` on the fake clock; each holds its endpoint busy for its latency. */
function simulate(
  behaviours: readonly Behaviour[],
  intervalMs: number,
  durationMs: number,
  report = outcomeOf,
): number[] {
  const { clock, balancer } = setup();
  const endpoints = makeEndpoints(behaviours.length);
  const counts = endpoints.map(() => 0);
  for (let elapsedMs = 0; elapsedMs < durationMs; elapsedMs += intervalMs) {
    const endpoint = balancer.pick(endpoints, {})!;
    const index = endpoints.indexOf(endpoint);
    const behaviour = behaviours[index]!;
    counts[index]! += 1;
    endpoint.inFlight += 1;
    clock.setTimer(behaviour.latencyMs, () => {
      endpoint.inFlight -= 1;
      recordLatency(endpoint, report(behaviour), clock.nowMs());
    });
    clock.advance(intervalMs);
  }
  return counts;
}

const healthy = (latencyMs: number): Behaviour => ({ latencyMs, status: 200 });

describe('peak-ewma (P2C, Finagle)', () => {
  it('sends a slow endpoint much less traffic', () => {
    const [fastA, fastB, slow] = simulate([healthy(10), healthy(10), healthy(100)], 1, 20_000);
    expect(slow! * 4).toBeLessThan(fastA!);
    expect(slow! * 4).toBeLessThan(fastB!);
  });

  it.each([429, 503])('does not send a fast %i endpoint more than a healthy one', (status) => {
    const [healthyA, healthyB, failing] = simulate(
      [healthy(50), healthy(50), { latencyMs: 2, status }],
      2,
      20_000,
    );
    expect(failing).toBeLessThan(healthyA!);
    expect(failing).toBeLessThan(healthyB!);
  });

  it('keeps a 429 endpoint starved next to slow, busy peers (why the penalty doubles)', () => {
    const [healthyA, healthyB, failing] = simulate(
      [healthy(800), healthy(800), { latencyMs: 5, status: 429 }],
      20,
      60_000,
    );
    // About 20 in flight on each healthy peer: 800 ms × 21 would beat a fixed 1 s penalty.
    expect(failing! * 10).toBeLessThan(healthyA!);
    expect(failing! * 10).toBeLessThan(healthyB!);
  });

  it('would flood the fast 429 endpoint if 429s counted as fast successes (the trap the penalty avoids)', () => {
    const asSuccess = (behaviour: Behaviour): Outcome => ({
      kind: 'success',
      status: 200,
      latencyMs: behaviour.latencyMs,
    });
    const [healthyA, , failing] = simulate(
      [healthy(50), healthy(50), { latencyMs: 2, status: 429 }],
      2,
      20_000,
      asSuccess,
    );
    expect(failing).toBeGreaterThan(healthyA!);
  });

  describe('picks', () => {
    const pair = (): [Endpoint, Endpoint] => makeEndpoints(2) as [Endpoint, Endpoint];

    it('weighs latency by requests in flight', () => {
      const { clock, balancer } = setup();
      const [fast, slow] = pair();
      recordLatency(fast, outcomeOf(healthy(10)), clock.nowMs());
      recordLatency(slow, outcomeOf(healthy(50)), clock.nowMs());
      expect(balancer.pick([fast, slow], {})).toBe(fast);
      fast.inFlight = 5; // 10 × 6 = 60 > 50 × 1
      expect(balancer.pick([fast, slow], {})).toBe(slow);
    });

    it('tries an unsampled endpoint at once, but only one request at a time', () => {
      const { clock, balancer } = setup();
      const [known, fresh] = pair();
      recordLatency(known, outcomeOf(healthy(10)), clock.nowMs());
      expect(balancer.pick([known, fresh], {})).toBe(fresh);
      fresh.inFlight = 1;
      known.inFlight = 1_000;
      expect(balancer.pick([known, fresh], {})).toBe(known);
    });

    it('retries a penalized endpoint once its cost has decayed below the alternative', () => {
      const { clock, balancer } = setup();
      const [penalized, busy] = pair();
      recordLatency(penalized, outcomeOf({ latencyMs: 1, status: 503 }), clock.nowMs());
      busy.inFlight = 2;
      // busy keeps answering in 50 ms, so its load stays 150: crossed when 1 000 · e^(−t/10 s) < 150, t ≈ 19 s.
      let retriedAfterMs = 0;
      for (let elapsedMs = 0; elapsedMs <= 30_000 && retriedAfterMs === 0; elapsedMs += 100) {
        recordLatency(busy, outcomeOf(healthy(50)), clock.nowMs());
        if (balancer.pick([penalized, busy], {}) === penalized) retriedAfterMs = elapsedMs;
        clock.advance(100);
      }
      expect(retriedAfterMs).toBe(19_000);
    });

    it('divides load by weight', () => {
      const { clock, balancer } = setup();
      const [heavy, light] = pair();
      heavy.weight = 3;
      for (const endpoint of [heavy, light]) recordLatency(endpoint, outcomeOf(healthy(20)), clock.nowMs());
      heavy.inFlight = 2; // 20 × 3 / 3 = 20 < 20 × 2 / 1
      light.inFlight = 1;
      expect(balancer.pick([heavy, light], {})).toBe(heavy);
    });
  });
});
