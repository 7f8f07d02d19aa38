import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../core/outcome.ts';
import { retryAfterMs } from '../../core/retry-after.ts';
import { UpstreamThrottle } from './upstream-throttle.ts';

const t0 = 5_000_000;

function throttleWith(requests: number, accepts: number, k = 2): UpstreamThrottle {
  const throttle = new UpstreamThrottle({ k, windowMs: 120_000 }, t0);
  for (let i = 0; i < requests; i++) throttle.recordRequest(t0);
  for (let i = 0; i < accepts; i++) throttle.recordAccept(t0);
  return throttle;
}

describe('UpstreamThrottle (SRE client-side throttling)', () => {
  it.each([
    // requests, accepts, k, max(0, (requests − k·accepts) / (requests + 1))
    [100, 100, 2, 0],
    [100, 50, 2, 0],
    [100, 40, 2, 20 / 101],
    [100, 0, 2, 100 / 101],
    [1_000, 100, 2, 800 / 1_001],
    [100, 60, 1.1, 34 / 101],
    [0, 0, 2, 0],
  ])('%i requests, %i accepts, K=%d → P(reject) = %f', (requests, accepts, k, expected) => {
    expect(throttleWith(requests, accepts, k).rejectProbability(t0)).toBeCloseTo(expected, 12);
  });

  it('forgets what fell out of the window, so a recovered upstream gets its traffic back', () => {
    const throttle = throttleWith(1_000, 0);
    expect(throttle.rejectProbability(t0 + 60_000)).toBeGreaterThan(0.99);
    // 2 minutes later, with slots of 2 s, every old count is gone.
    expect(throttle.rejectProbability(t0 + 122_000)).toBe(0);
  });

  it('slides: half the window later, only the newer half counts', () => {
    const throttle = new UpstreamThrottle({ k: 2, windowMs: 120_000 }, t0);
    for (let i = 0; i < 100; i++) throttle.recordRequest(t0);
    for (let i = 0; i < 100; i++) throttle.recordRequest(t0 + 60_000);
    for (let i = 0; i < 100; i++) throttle.recordAccept(t0 + 60_000);
    expect(throttle.rejectProbability(t0 + 60_000)).toBe(0);
    expect(throttle.rejectProbability(t0 + 125_000)).toBe(0);
  });
});

describe('UpstreamThrottle outcomes and overload_statuses', () => {
  const quota429: Outcome = { kind: 'success', status: 429, latencyMs: 5 };
  const full503: Outcome = { kind: 'failure', reason: 'status', status: 503, latencyMs: 5 };
  const ok: Outcome = { kind: 'success', status: 200, latencyMs: 5 };
  const timedOut: Outcome = { kind: 'timeout', phase: 'first_byte', latencyMs: 5 };

  function after(outcomes: readonly Outcome[], overloadStatuses?: readonly number[]): number {
    const throttle = new UpstreamThrottle({ k: 2, windowMs: 10_000 }, t0, overloadStatuses);
    for (const outcome of outcomes) throttle.recordOutcome(outcome, t0);
    return throttle.rejectProbability(t0);
  }

  it("counts a 429 outside overload_statuses as accepted work: one tenant's quota throttles nobody", () => {
    const abuser = Array.from({ length: 100 }, () => quota429);
    expect(after(abuser, [503])).toBe(0);
    // The default (429 and 503) keeps today's behaviour: every 429 is a refusal.
    expect(after(abuser)).toBeCloseTo(100 / 101, 12);
  });

  it('counts the listed statuses and timeouts as refusals, other answers as accepts', () => {
    expect(after([full503, full503, timedOut, ok], [503])).toBeCloseTo(2 / 5, 12);
    expect(after([quota429, quota429, full503], [])).toBe(0);
  });
});

describe("UpstreamThrottle's own Retry-After", () => {
  it('is 1 s until a refusal brings one, then the latest in force, rounded up, and 1 s once it passed', () => {
    const throttle = new UpstreamThrottle({ k: 2, windowMs: 120_000 }, t0);
    expect(throttle.retryAfterS(t0)).toBe(1);
    throttle.recordRetryAfter(t0 + 20_000);
    throttle.recordRetryAfter(t0 + 5_000);
    expect(throttle.retryAfterS(t0)).toBe(20);
    expect(throttle.retryAfterS(t0 + 18_500)).toBe(2);
    expect(throttle.retryAfterS(t0 + 20_000)).toBe(1);
    expect(throttle.retryAfterS(t0 + 60_000)).toBe(1);
  });
});

describe('retryAfterMs', () => {
  const epochMs = Date.parse('2026-11-21T12:00:00Z');
  it.each([
    ['120', 120_000],
    [' 5 ', 5_000],
    ['0', 0],
    ['Sat, 21 Nov 2026 12:00:30 GMT', 30_000],
    ['Sat, 21 Nov 2026 11:00:00 GMT', 0],
  ])('%s → %i ms', (value, expected) => expect(retryAfterMs(value, epochMs)).toBe(expected));

  it.each([undefined, '', 'soon', '-5', '1.5'])('%s → undefined', (value) =>
    expect(retryAfterMs(value, epochMs)).toBeUndefined(),
  );
});
