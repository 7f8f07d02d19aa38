import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredResult } from '../monitor/results-store.ts';
import { RollupJob } from '../monitor/rollup-job.ts';
import type { MonitorSpec } from '../monitor/spec.ts';
import { uptimeOf, type AliveInterval } from '../monitor/uptime.ts';
import { createLogger } from '../observability/index.ts';
import { openSqlite, SqliteResultsStore, SqliteRollupStore } from '../store/index.ts';
import { MonitoringHost, type MonitorReport } from './monitoring-host.ts';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const midnight = 1_700_000_000_000 - (1_700_000_000_000 % day); // a UTC midnight: day 0
const at = (d: number, h = 0) => midnight + d * day + h * hour;
const endMs = at(0, 12); // "now" for the report: noon on day 0
const intervalMs = 5 * minute;
const retention = { rawMs: 7 * day, rollupsMs: 400 * day };

// Bulwark ran in three stretches: stopped two days around the 30-day edge, six hours two days ago, and the
// last three hours. Every day the monitor was down 00:00–01:00.
const stretches: AliveInterval[] = [
  { startedMs: at(-100, 12), lastAliveMs: at(-31, 12) },
  { startedMs: at(-29, 12), lastAliveMs: at(-2, 6) },
  { startedMs: at(-2, 12), lastAliveMs: at(0, 9) },
];
const stateAt = (atMs: number) => ((atMs - at(-200)) % day < hour ? 'down' : 'up');

const spec: MonitorSpec = {
  id: 'api',
  name: 'API',
  intervalMs,
  timeoutMs: 1_000,
  assertions: [],
  degradedWhen: [],
  failureThreshold: 1,
  successThreshold: 1,
  recheck: { attempts: 0, delayMs: 0 },
  // Pushed, so the host runs no check of its own while the test reads its report.
  check: { kind: 'heartbeat', expectEveryMs: 10 * day, graceMs: 0 },
};

/** Every result the monitor produced: the test keeps them all, the store only retention.raw. */
function resultsOf(stretch: AliveInterval): StoredResult[] {
  const results: StoredResult[] = [];
  for (let atMs = stretch.startedMs; atMs <= stretch.lastAliveMs; atMs += intervalMs) {
    const state = stateAt(atMs);
    results.push({ monitorId: 'api', probe: 'local', atMs, state, ok: state === 'up', responseTimeMs: 20 });
  }
  return results;
}

/**
 * Lives through the stretches as the host would, six hours per step: results appended, the alive interval
 * touched, the rollup job run, raw results pruned to retention.raw. Time is the loop variable, never a clock.
 */
async function liveThroughHistory(dataDir: string): Promise<void> {
  const { db, close } = await openSqlite(join(dataDir, 'bulwark.db'));
  const results = new SqliteResultsStore(db, close);
  const rollups = new SqliteRollupStore(db);
  const job = new RollupJob({
    results,
    alive: results,
    store: rollups,
    retentionMs: retention.rollupsMs,
    rawRetentionMs: retention.rawMs,
  });
  const monitors = [{ id: 'api', maxHoldMs: 3 * intervalMs }];
  const stepMs = 6 * hour;
  for (const stretch of stretches) {
    const runtime = await results.startRuntime(stretch.startedMs);
    const all = resultsOf(stretch);
    for (let fromMs = stretch.startedMs; fromMs <= stretch.lastAliveMs; fromMs += stepMs) {
      const toMs = Math.min(fromMs + stepMs, stretch.lastAliveMs + 1);
      await results.append(all.filter((r) => r.atMs >= fromMs && r.atMs < toMs));
      await results.touchRuntime(runtime, Math.min(toMs, stretch.lastAliveMs));
      await job.run(toMs, monitors);
      await results.pruneResultsBefore(toMs - retention.rawMs);
    }
  }
  while (!(await job.run(endMs, monitors)).isCaughtUp);
  await results.pruneResultsBefore(endMs - retention.rawMs);
  // The long windows can only come from rollups: raw results and hours of more than 8 days ago are gone.
  expect(await results.results('api', 0, endMs - 8 * day)).toEqual([]);
  expect(await rollups.rollups('api', 'hour', 0, endMs - 8 * day - hour)).toEqual([]);
  expect(await rollups.rollups('api', 'minute', 0, endMs - 3 * hour)).toEqual([]);
  // Days -100..-1 but day -30, when Bulwark was stopped throughout.
  expect(await rollups.rollups('api', 'day', 0, endMs)).toHaveLength(99);
  await results.close();
}

describe('uptime over 7, 30 and 90 days from a history the rollup job rolled up', () => {
  let dir: string;
  let report: MonitorReport | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-long-uptime-'));
    await liveThroughHistory(dir);
    const host = await MonitoringHost.start(
      { monitors: [spec], dataDir: dir, retention },
      createLogger({ level: 'silent' }),
      { epochNowMs: () => endMs },
    );
    report = await host.report('api');
    await host.stop();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('weighs time, counts none of the no-data stretches as up, and rounds long windows to the day', () => {
    // Up 23 h of each observed day; what was observed of each window:
    // 24 h: 12:00–09:00, the down hour at midnight: 20 up / 1 down.
    // 7 d: day -7 12:00 → day -2 06:00 (5 midnights), day -2 12:00 → 09:00 today (2): 152 up / 7 down.
    // 30 d: from day -29 00:00 (rounded up to the day), observed from day -29 12:00: 658 up / 29 down.
    // 90 d: from day -89 00:00: 58.5 days more of the first stretch (59 midnights): 2003 up / 88 down.
    expect(report?.uptime['24h']).toBeCloseTo(20 / 21, 12);
    expect(report?.uptime['7d']).toBeCloseTo(152 / 159, 12);
    expect(report?.uptime['30d']).toBeCloseTo(658 / 687, 12);
    expect(report?.uptime['90d']).toBeCloseTo(2003 / 2091, 12);
  });

  it('gives each window the uptime of all the raw results, as if none had been pruned or rolled up', () => {
    const every = stretches.flatMap(resultsOf);
    const fromRaw = (fromMs: number) =>
      uptimeOf(every, stretches, { fromMs, toMs: endMs }, 3 * intervalMs).ratio;
    expect(report?.uptime['24h']).toBeCloseTo(fromRaw(endMs - day)!, 12);
    expect(report?.uptime['7d']).toBeCloseTo(fromRaw(endMs - 7 * day)!, 12);
    expect(report?.uptime['30d']).toBeCloseTo(fromRaw(at(-29))!, 12);
    expect(report?.uptime['90d']).toBeCloseTo(fromRaw(at(-89))!, 12);
  });
});
