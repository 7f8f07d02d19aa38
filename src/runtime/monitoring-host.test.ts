import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/index.ts';
import type { TrafficReading } from '../monitor/traffic.ts';
import { createLogger } from '../observability/index.ts';
import { eventually } from '../../test/support/gateway-harness.ts';
import { MonitoringHost } from './monitoring-host.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function reading(requests: number): TrafficReading {
  return {
    requests: [{ route: '0', pool: 'api', statusClass: '2xx', count: requests }],
    durations: [
      {
        route: '0',
        pool: 'api',
        buckets: [
          { le: 0.01, count: requests },
          { le: Number.POSITIVE_INFINITY, count: requests },
        ],
      },
    ],
  };
}

describe('MonitoringHost', () => {
  it('records live traffic per pool and route from successive readings of the gateway counters', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bulwark-host-'));
    let requests = 0;
    const host = await MonitoringHost.start(
      { monitors: [], dataDir: dir, retention: { rawMs: 86_400_000, rollupsMs: 86_400_000 } },
      createLogger({ level: 'silent' }),
      { readTraffic: () => Promise.resolve(reading((requests += 10))), trafficEveryMs: 20 },
    );
    cleanups.push(async () => {
      await host.stop();
      await rm(dir, { recursive: true, force: true });
    });
    const minutes = () => host.traffic('pool', 'api', 0, Date.now() + 1_000);
    await eventually(async () => (await minutes()).length >= 2, 5_000, 'two traffic rows');
    const rows = await minutes();
    // Each reading adds 10 requests: every row holds exactly the 10 between two readings.
    expect(rows.every((row) => row.requests === 10 && row.errors === 0)).toBe(true);
    expect(rows[0]!.p50Ms).toBeLessThanOrEqual(10);
    expect(await host.traffic('route', '0', 0, Date.now() + 1_000)).not.toHaveLength(0);
  });

  it('reports the monitors one at a time, letting the event loop turn between them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bulwark-host-'));
    const { monitors } = parseConfigText(
      [
        'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
        'routes: [{ pool: api }]',
        'monitors:',
        ...[1, 2, 3, 4, 5].map(
          (i) => `  - { name: Check ${i}, type: http, url: "http://127.0.0.1:9/", interval: 1h }`,
        ),
      ].join('\n'),
    );
    const host = await MonitoringHost.start(
      { monitors, dataDir: dir, retention: { rawMs: 86_400_000, rollupsMs: 86_400_000 } },
      createLogger({ level: 'silent' }),
    );
    cleanups.push(async () => {
      await host.stop();
      await rm(dir, { recursive: true, force: true });
    });
    let turns = 0;
    let isDone = false;
    const turn = () => {
      turns++;
      if (!isDone) setImmediate(turn);
    };
    setImmediate(turn);
    const reports = await host.reports();
    isDone = true;
    expect(reports.map((r) => r.id)).toEqual(['check-1', 'check-2', 'check-3', 'check-4', 'check-5']);
    // Synchronous SQLite reads: only these turns let the gateway's requests in while the list is made.
    expect(turns).toBeGreaterThanOrEqual(4);
  });
});
