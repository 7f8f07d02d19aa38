import { describe, expect, it } from 'vitest';
import { LocalRateLimitStore } from './rate-limit-store.ts';
import { KeyedTokenBuckets } from './token-buckets.ts';

const t0 = 1_000_000;

describe('KeyedTokenBuckets', () => {
  it('allows the burst at once, then exactly one request per emission interval', () => {
    const buckets = new KeyedTokenBuckets({ ratePerSecond: 10, burst: 20 }, t0);
    const burst = Array.from({ length: 20 }, () => buckets.take('k', t0));
    expect(burst.every((v) => v.isAllowed)).toBe(true);
    expect(burst.map((v) => v.remaining)).toEqual(Array.from({ length: 20 }, (_, i) => 19 - i));
    const refused = buckets.take('k', t0);
    expect(refused).toMatchObject({ isAllowed: false, remaining: 0, retryAfterMs: 100, resetMs: 2_000 });
    // 99 ms later still nothing; at 100 ms exactly one token, then none again.
    expect(buckets.take('k', t0 + 99).isAllowed).toBe(false);
    expect(buckets.take('k', t0 + 100)).toMatchObject({ isAllowed: true, remaining: 0 });
    expect(buckets.take('k', t0 + 100).isAllowed).toBe(false);
    // Over 10 s at a steady 10/s, every request passes and an eleventh per second does not.
    let allowed = 0;
    for (let ms = 200; ms <= 10_100; ms += 50) if (buckets.take('k', t0 + ms).isAllowed) allowed++;
    expect(allowed).toBe(100);
  });

  it('refills to the full burst after burst/rate seconds of quiet, not beyond', () => {
    const buckets = new KeyedTokenBuckets({ ratePerSecond: 10, burst: 20 }, t0);
    for (let i = 0; i < 20; i++) buckets.take('k', t0);
    expect(buckets.check('k', t0 + 1_000).remaining).toBe(9);
    expect(buckets.check('k', t0 + 2_000).remaining).toBe(19);
    expect(buckets.check('k', t0 + 60_000).remaining).toBe(19);
  });

  it('keeps one bucket per key', () => {
    const buckets = new KeyedTokenBuckets({ ratePerSecond: 1, burst: 2 }, t0);
    expect([1, 2, 3].map(() => buckets.take('a', t0).isAllowed)).toEqual([true, true, false]);
    expect([1, 2, 3].map(() => buckets.take('b', t0).isAllowed)).toEqual([true, true, false]);
    expect(buckets.take('a', t0 + 1_000).isAllowed).toBe(true);
  });

  it('is exact for rates whose interval is not a whole number of ms', () => {
    const buckets = new KeyedTokenBuckets({ ratePerSecond: 3, burst: 1 }, t0);
    let allowed = 0;
    for (let ms = 0; ms < 30_000; ms += 1) if (buckets.take('k', t0 + ms).isAllowed) allowed++;
    expect(allowed).toBe(90);
  });

  it('forgets idle keys: memory stays bounded by the keys of the last two refill windows', () => {
    // 2,000,000 distinct keys, 1,000 new ones per ms, against a bucket that refills in 100 ms.
    const buckets = new KeyedTokenBuckets({ ratePerSecond: 10, burst: 1 }, t0);
    let peak = 0;
    for (let ms = 0; ms < 2_000; ms++) {
      for (let i = 0; i < 1_000; i++) buckets.take(`${ms}:${i}`, t0 + ms);
      peak = Math.max(peak, buckets.size);
    }
    expect(peak).toBeLessThanOrEqual(2 * 100 * 1_000);
    // A forgotten key is a full bucket: nothing about it was lost.
    expect(buckets.take('0:0', t0 + 2_000).isAllowed).toBe(true);
    expect(buckets.take('1999:0', t0 + 2_000).isAllowed).toBe(false);
  });

  it('does not drop a key that is still refilling when it is next touched', () => {
    const buckets = new KeyedTokenBuckets({ ratePerSecond: 1, burst: 5 }, t0);
    for (let i = 0; i < 5; i++) buckets.take('k', t0);
    // Rotations pass (every 5 s) while the bucket refills; it holds exactly what it earned.
    expect(buckets.check('k', t0 + 4_999).remaining).toBe(3);
    expect(buckets.check('k', t0 + 9_000).remaining).toBe(4);
  });
});

describe('LocalRateLimitStore', () => {
  const perSecond = { ratePerSecond: 1, burst: 1 };
  const perTen = { ratePerSecond: 10, burst: 10 };

  it('takes a token from every bucket only when all allow', () => {
    const store = new LocalRateLimitStore();
    const both = [
      { bucketId: 'key', key: 'k', policy: perSecond },
      { bucketId: 'ip', key: '10.0.0.1', policy: perTen },
    ];
    expect(store.take(both, t0)).toMatchObject({
      isAllowed: true,
      buckets: [{ remaining: 0 }, { remaining: 9 }],
    });
    const refused = store.take(both, t0);
    // The ip bucket offered a token but gave none: a refused request costs nothing.
    expect(refused).toMatchObject({
      isAllowed: false,
      retryAfterMs: 1_000,
      buckets: [{ remaining: 0 }, { remaining: 9 }],
    });
    expect(store.take([both[1]!], t0)).toMatchObject({ isAllowed: true, buckets: [{ remaining: 8 }] });
  });

  it('keeps buckets when a reload changes the policy', () => {
    const store = new LocalRateLimitStore();
    const request = { bucketId: 'r', key: 'k', policy: perSecond };
    expect(store.take([request], t0).isAllowed).toBe(true);
    expect(store.take([{ ...request, policy: { ratePerSecond: 1, burst: 2 } }], t0).isAllowed).toBe(true);
    expect(store.take([{ ...request, policy: { ratePerSecond: 1, burst: 2 } }], t0).isAllowed).toBe(false);
  });
});
