import { describe, expect, it } from 'vitest';
import { poolSamplesOf } from './pool-samples.ts';

describe('poolSamplesOf', () => {
  it('sums a pool over its routes: requests, 5xx errors and latency buckets in ms', () => {
    const samples = poolSamplesOf(
      [
        { name: 'api', healthyShare: 0.5 },
        { name: 'idle', healthyShare: 1 },
      ],
      {
        requests: [
          { route: '0', pool: 'api', statusClass: '2xx', count: 90 },
          { route: '1', pool: 'api', statusClass: '5xx', count: 10 },
          { route: '1', pool: 'web', statusClass: '5xx', count: 99 },
        ],
        durations: [
          {
            route: '0',
            pool: 'api',
            buckets: [
              { le: 0.1, count: 80 },
              { le: Number.POSITIVE_INFINITY, count: 90 },
            ],
          },
          {
            route: '1',
            pool: 'api',
            buckets: [
              { le: 0.1, count: 5 },
              { le: Number.POSITIVE_INFINITY, count: 10 },
            ],
          },
        ],
      },
    );
    expect(samples).toEqual([
      {
        pool: 'api',
        healthyShare: 0.5,
        requests: 100,
        errors: 10,
        latencyBuckets: [
          { leMs: 100, count: 85 },
          { leMs: Number.POSITIVE_INFINITY, count: 100 },
        ],
      },
      { pool: 'idle', healthyShare: 1, requests: 0, errors: 0, latencyBuckets: [] },
    ]);
  });
});
