import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/index.ts';
import type { TrafficReading } from '../monitor/traffic.ts';
import { createLogger } from '../observability/index.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
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

/**
 * Hosts on one data_dir, one after another as restarts, on a fake clock: scheduling and wall time both move
 * only when the test advances it, yielding so lateness sweeps and store writes run.
 */
async function restartingHost(yamlMonitors: string) {
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-host-'));
  const { monitors } = parseConfigText(
    [
      'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
      'routes: [{ pool: api }]',
      `monitors: [${yamlMonitors}]`,
    ].join('\n'),
  );
  const clock = new FakeClock(0);
  let host: MonitoringHost | undefined;
  cleanups.push(async () => {
    await host?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const start = async (): Promise<MonitoringHost> => {
    await host?.stop();
    host = await MonitoringHost.start(
      { monitors, dataDir: dir, retention: { rawMs: 86_400_000, rollupsMs: 86_400_000 } },
      createLogger({ level: 'silent' }),
      { clock, epochNowMs: () => 1_700_000_000_000 + clock.nowMs() },
    );
    return host;
  };
  const advance = async (ms: number): Promise<void> => {
    for (let doneMs = 0; doneMs < ms; doneMs += 100) {
      clock.advance(Math.min(100, ms - doneMs));
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { start, advance };
}

describe('MonitoringHost heartbeats across a restart', () => {
  it('keeps the deadline at last call + expect_every + grace when Bulwark restarts in between', async () => {
    const { start, advance } = await restartingHost('{ name: Backup, type: heartbeat, expect_every: 8s }');
    const first = await start();
    expect(first.monitoring.heartbeat('backup', { isDown: false })).toBe(true);
    await advance(7_000);
    // Restarted 7 s after the call, 1 s before its deadline: late at 8 s, seen by a sweep (every 2 s) by 10 s.
    const second = await start();
    expect(second.monitoring.get('backup')?.state).toBe('up');
    await advance(3_000);
    const view = second.monitoring.get('backup');
    expect(view?.state).toBe('down');
    expect(view?.lastResult?.message).toMatch(/^no heartbeat for ([89]|10) s \(expected every 8 s\)$/);
  });

  it('waits from the start for a heartbeat never called, as it did before calls were kept', async () => {
    const { start, advance } = await restartingHost('{ name: Backup, type: heartbeat, expect_every: 8s }');
    await start();
    await advance(6_000);
    const second = await start();
    await advance(7_900);
    expect(second.monitoring.get('backup')?.state).toBe('unknown');
    await advance(2_200);
    expect(second.monitoring.get('backup')?.state).toBe('down');
  });
});

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
