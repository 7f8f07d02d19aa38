import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { RetryBudget } from '../retry-budget.ts';
import type { RetrySpec } from '../spec.ts';
import { backoffMs, decideRetry, type RetryQuestion } from './retry.ts';

const spec: RetrySpec = {
  attempts: 3,
  on: ['connect-failure', 'reset-before-response', 502, 503],
  retryNonIdempotent: false,
  backoffBaseMs: 25,
  backoffMaxMs: 250,
  budget: { ratio: 0.2, minPerSecond: 10, ttlMs: 10_000 },
};

function ask(overrides: Partial<RetryQuestion>): ReturnType<typeof decideRetry> {
  return decideRetry({
    spec,
    method: 'GET',
    cause: 'connect-failure',
    isSocketReused: false,
    isBodyReplayable: true,
    attemptsMade: 1,
    budget: new RetryBudget(new FakeClock(), spec.budget),
    nowMs: 0,
    deadlineMs: 10_000,
    random: () => 0.5,
    ...overrides,
  });
}

describe('decideRetry: safe by default', () => {
  it.each([
    ['a refused POST (never reached the upstream)', { method: 'POST', cause: 'refused' as const }, true],
    ['a POST whose connect failed', { method: 'POST', cause: 'connect-failure' as const }, true],
    [
      'a POST reset on a reused keep-alive socket (the keep-alive race)',
      { method: 'POST', cause: 'reset-before-response' as const, isSocketReused: true },
      true,
    ],
    [
      'a POST reset on a reused socket of a route that does not list reset-before-response',
      {
        method: 'POST',
        cause: 'reset-before-response' as const,
        isSocketReused: true,
        spec: { ...spec, on: ['connect-failure' as const] },
      },
      false,
    ],
    [
      'a POST reset on a fresh socket (it may have arrived)',
      { method: 'POST', cause: 'reset-before-response' as const },
      false,
    ],
    ['a GET reset on a fresh socket', { method: 'GET', cause: 'reset-before-response' as const }, true],
    ['a GET answered 503', { cause: 503 }, true],
    ['a POST answered 503', { method: 'POST', cause: 503 }, false],
    [
      'a POST answered 503 on a route that opted in',
      { method: 'POST', cause: 503, spec: { ...spec, retryNonIdempotent: true } },
      true,
    ],
    ['a GET answered 500 (not listed)', { cause: 500 }, false],
    ['a streamed body that cannot be replayed', { isBodyReplayable: false }, false],
    ['the last allowed attempt', { attemptsMade: 3 }, false],
  ])('%s → retry %s', (_name, overrides, expected) => {
    expect(ask(overrides).retry).toBe(expected);
  });

  it('names why a wanted retry was denied', () => {
    expect(ask({ method: 'POST', cause: 503 })).toEqual({ retry: false, denial: 'not-idempotent' });
    expect(ask({ isBodyReplayable: false })).toEqual({ retry: false, denial: 'body-not-replayable' });
    expect(ask({ attemptsMade: 3 })).toEqual({ retry: false, denial: 'attempts' });
    expect(ask({ nowMs: 9_990 })).toEqual({ retry: false, denial: 'deadline' });
    expect(ask({ cause: 500 })).toEqual({ retry: false });
  });

  it('spends the budget and denies once it is empty', () => {
    const budget = new RetryBudget(new FakeClock(), { ratio: 0, minPerSecond: 0.1, ttlMs: 10_000 });
    expect(ask({ budget }).retry).toBe(true);
    expect(ask({ budget })).toEqual({ retry: false, denial: 'budget' });
  });
});

describe('backoffMs: full jitter (Envoy)', () => {
  it('stays within [0, min(max, base × 2^(n−1)))', () => {
    expect(backoffMs(spec, 1, () => 0.999)).toBeLessThan(25);
    expect(backoffMs(spec, 2, () => 0.999)).toBeLessThan(50);
    expect(backoffMs(spec, 2, () => 0.999)).toBeGreaterThanOrEqual(49);
    expect(backoffMs(spec, 9, () => 0.999)).toBeLessThan(250);
    expect(backoffMs(spec, 3, () => 0)).toBe(0);
  });
});
