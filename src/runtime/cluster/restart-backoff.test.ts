import { describe, expect, it } from 'vitest';
import { RestartBackoff } from './restart-backoff.ts';

describe('RestartBackoff', () => {
  it('doubles from 100 ms to a 10 s ceiling while a worker keeps crashing', () => {
    const backoff = new RestartBackoff();
    const delays = Array.from({ length: 10 }, () => backoff.delayAfterExitMs(50));
    expect(delays).toEqual([100, 200, 400, 800, 1_600, 3_200, 6_400, 10_000, 10_000, 10_000]);
  });

  it('starts over after a worker stayed up 30 s', () => {
    const backoff = new RestartBackoff();
    for (let i = 0; i < 5; i++) backoff.delayAfterExitMs(10);
    expect(backoff.delayAfterExitMs(30_000)).toBe(100);
    expect(backoff.delayAfterExitMs(10)).toBe(200);
  });
});
