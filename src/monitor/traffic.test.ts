import { describe, expect, it } from 'vitest';
import { quantileMs, trafficBetween, type TrafficReading } from './traffic.ts';

const empty: TrafficReading = { requests: [], durations: [] };

function reading(ok: number, errors: number, fast: number, slow: number): TrafficReading {
  return {
    requests: [
      { route: '0', pool: 'api', statusClass: '2xx', count: ok },
      { route: '0', pool: 'api', statusClass: '5xx', count: errors },
    ],
    durations: [
      {
        route: '0',
        pool: 'api',
        buckets: [
          { le: 0.01, count: fast },
          { le: 0.1, count: fast + slow },
          { le: Number.POSITIVE_INFINITY, count: fast + slow },
        ],
      },
    ],
  };
}

describe('trafficBetween', () => {
  it('gives each minute its own requests, errors and percentiles, per pool and per route', () => {
    const rows = trafficBetween(reading(100, 2, 90, 12), reading(160, 5, 140, 25), 60_000);
    expect(rows).toHaveLength(2);
    const pool = rows.find((r) => r.scope === 'pool')!;
    expect(pool).toMatchObject({ name: 'api', startMs: 60_000, requests: 63, errors: 3 });
    // 50 fast (≤ 10 ms) and 13 slow (10–100 ms) requests this minute.
    expect(pool.p50Ms).toBeCloseTo((31.5 / 50) * 10, 9);
    expect(pool.p99Ms).toBeGreaterThan(10);
    expect(rows.find((r) => r.scope === 'route')).toMatchObject({ name: '0', requests: 63, errors: 3 });
  });

  it('counts from zero after a counter reset, and leaves out quiet pools', () => {
    const rows = trafficBetween(reading(100, 2, 90, 12), reading(10, 0, 10, 0), 0);
    expect(rows.find((r) => r.scope === 'pool')).toMatchObject({ requests: 10, errors: 0 });
    expect(trafficBetween(reading(5, 0, 5, 0), reading(5, 0, 5, 0), 0)).toEqual([]);
    expect(trafficBetween(empty, empty, 0)).toEqual([]);
  });
});

describe('quantileMs', () => {
  it('interpolates inside the bucket, like histogram_quantile', () => {
    const buckets = [
      { le: 0.1, count: 50 },
      { le: 0.2, count: 100 },
      { le: Number.POSITIVE_INFINITY, count: 100 },
    ];
    expect(quantileMs(buckets, 0.5)).toBeCloseTo(100, 9);
    expect(quantileMs(buckets, 0.75)).toBeCloseTo(150, 9);
    expect(quantileMs([{ le: Number.POSITIVE_INFINITY, count: 0 }], 0.5)).toBeNull();
  });
});
