import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.ts';
import { RemoteRateLimitStore } from './remote-rate-limits.ts';
import { workerShareOf } from './share-limits.ts';

const config = configSchema.parse({
  pools: {
    fixed: { endpoints: [{ url: 'http://127.0.0.1:1' }], concurrency: 9, endpoint_max_in_flight: 3 },
    adaptive: { endpoints: [{ url: 'http://127.0.0.1:2' }], concurrency: 'adaptive' },
    open: { endpoints: [{ url: 'http://127.0.0.1:3' }] },
  },
  routes: [{ pool: 'fixed', retry: { budget: { ratio: '20%', min_per_second: 10 } } }],
});

describe('workerShareOf', () => {
  it('gives each worker an equal share of fixed limits, rounded up, and leaves adaptive ones alone', () => {
    const shared = workerShareOf(config, 2);
    expect(shared.pools.fixed?.concurrency).toEqual({ kind: 'fixed', maxInFlight: 5 });
    expect(shared.pools.fixed?.endpointMaxInFlight).toBe(2);
    expect(shared.pools.adaptive?.concurrency).toEqual(config.pools.adaptive?.concurrency);
    expect(shared.pools.open?.concurrency).toBeUndefined();
    expect(workerShareOf(config, 1)).toBe(config);
  });

  it('shares out the retry budget’s reserve, so the cluster allows min_per_second, and keeps its ratio', () => {
    const budget = workerShareOf(config, 4).routes[0]?.retry.budget;
    expect(budget).toEqual({ ratio: 0.2, minPerSecond: 2.5, ttlMs: 10_000 });
  });

  it('leaves each worker a reserve of one whole retry where the whole reserve had one', () => {
    const reserveOf = (minPerSecond: number, ttl: string, workers: number): number => {
      const quiet = configSchema.parse({
        pools: { open: { endpoints: [{ url: 'http://127.0.0.1:3' }] } },
        routes: [{ pool: 'open', retry: { budget: { min_per_second: minPerSecond, ttl } } }],
      });
      const budget = workerShareOf(quiet, workers).routes[0]?.retry.budget;
      return budget ? (budget.minPerSecond * budget.ttlMs) / 1_000 : NaN;
    };
    expect(reserveOf(1, '1s', 2)).toBe(1); // half a retry each would allow none anywhere
    expect(reserveOf(1, '1s', 4)).toBe(1);
    expect(reserveOf(0.5, '1s', 2)).toBe(0.5); // the whole had no whole retry either
    expect(reserveOf(0, '1s', 2)).toBe(0);
  });
});

describe('RemoteRateLimitStore', () => {
  it('asks the primary and resolves with its answer, matched by id', async () => {
    const asked: number[] = [];
    const store = new RemoteRateLimitStore((id) => asked.push(id));
    const policy = { ratePerSecond: 1, burst: 1 };
    const first = store.take([{ bucketId: 'b', key: 'k', policy }]);
    const second = store.take([{ bucketId: 'b', key: 'k', policy }]);
    expect(asked).toEqual([1, 2]);
    store.settle(2, { isAllowed: false, buckets: [{ remaining: 0, resetMs: 900 }], retryAfterMs: 900 });
    store.settle(1, { isAllowed: true, buckets: [{ remaining: 0, resetMs: 1_000 }], retryAfterMs: 0 });
    expect((await first).isAllowed).toBe(true);
    expect((await second).retryAfterMs).toBe(900);
  });
});
