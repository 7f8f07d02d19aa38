import { describe, expect, it } from 'vitest';
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
