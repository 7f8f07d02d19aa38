import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { RetryBudget } from './retry-budget.ts';

describe('RetryBudget (Finagle: ratio of recent requests plus a per-second reserve over ttl)', () => {
  it('allows the reserve on a quiet route: min_per_second × ttl', () => {
    const budget = new RetryBudget(new FakeClock(), { ratio: 0.2, minPerSecond: 1, ttlMs: 10_000 });
    let granted = 0;
    while (budget.tryRetry()) granted += 1;
    expect(granted).toBe(10);
  });

  it('adds ratio × requests, so 1,000 requests allow 200 retries beyond the reserve', () => {
    const clock = new FakeClock();
    const budget = new RetryBudget(clock, { ratio: 0.2, minPerSecond: 0, ttlMs: 10_000 });
    for (let i = 0; i < 1000; i++) budget.recordRequest(clock.nowMs());
    let granted = 0;
    while (budget.tryRetry()) granted += 1;
    expect(granted).toBe(200);
  });

  it('forgets requests and retries older than ttl', () => {
    const clock = new FakeClock();
    const budget = new RetryBudget(clock, { ratio: 0.5, minPerSecond: 0, ttlMs: 10_000 });
    for (let i = 0; i < 100; i++) budget.recordRequest(clock.nowMs());
    expect(budget.available()).toBe(50);
    clock.advance(5_000);
    expect(budget.available()).toBe(50);
    clock.advance(6_000);
    expect(budget.available()).toBe(0);
    expect(budget.tryRetry()).toBe(false);
  });

  it('takes back a refunded retry, one that never went out: the budget is as if it was not withdrawn', () => {
    const clock = new FakeClock();
    const budget = new RetryBudget(clock, { ratio: 0, minPerSecond: 0.1, ttlMs: 10_000 });
    const withdrawnMs = clock.nowMs();
    expect(budget.tryRetry(withdrawnMs)).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    clock.advance(200);
    budget.refund(withdrawnMs);
    expect(budget.tryRetry()).toBe(true);
  });

  it('refunds the bucket the retry was withdrawn from, so it is forgotten when that bucket is', () => {
    const clock = new FakeClock();
    const budget = new RetryBudget(clock, { ratio: 0, minPerSecond: 0.2, ttlMs: 10_000 });
    const firstMs = clock.nowMs();
    budget.tryRetry(firstMs);
    clock.advance(5_000);
    budget.tryRetry(clock.nowMs());
    budget.refund(firstMs);
    expect(budget.available()).toBe(1);
    // The first retry's bucket leaves the window; the second's, still in it, keeps its withdrawal.
    clock.advance(5_500);
    expect(budget.available()).toBe(1);
  });

  it('ignores a refund for a retry the window already forgot: never more than the reserve', () => {
    const clock = new FakeClock();
    const budget = new RetryBudget(clock, { ratio: 0, minPerSecond: 0.1, ttlMs: 10_000 });
    const withdrawnMs = clock.nowMs();
    budget.tryRetry(withdrawnMs);
    clock.advance(11_000);
    budget.refund(withdrawnMs);
    expect(budget.available()).toBe(1);
  });

  it('caps retries during an outage at the ratio: at most 20% extra load', () => {
    const clock = new FakeClock();
    const budget = new RetryBudget(clock, { ratio: 0.2, minPerSecond: 10, ttlMs: 10_000 });
    let retries = 0;
    // 30 s of 1,000 failing requests per second, each wanting a retry.
    for (let second = 0; second < 30; second++) {
      for (let i = 0; i < 1000; i++) {
        budget.recordRequest(clock.nowMs());
        if (budget.tryRetry()) retries += 1;
      }
      clock.advance(1_000);
    }
    // 20% of the traffic, plus the 100-retry reserve once per 10 s window (four windows touched in 30 s).
    expect(retries).toBeLessThanOrEqual(0.2 * 30_000 + 4 * 100);
    expect(retries).toBeGreaterThan(5_000);
  });
});
