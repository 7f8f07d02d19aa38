import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite, SqliteResultsStore, SqliteRollupStore, type SqliteHandle } from '../store/index.ts';
import {
  dailyHistoryOf,
  readDailyHistories,
  type DailyHistory,
  type HistoryMonitor,
} from './daily-history.ts';
import type { StoredResult } from './results-store.ts';
import { RollupJob } from './rollup-job.ts';
import { periodStartOf, resolutionMs, type Rollup } from './rollup.ts';

const s = 1_000;
const minute = 60 * s;
const hour = 60 * minute;
const day = 24 * hour;

const todayMs = Date.UTC(2026, 10, 20);
const firstResultMs = todayMs - 3 * day;
// 14:37:20: the rollup job has rolled minutes up to 14:36, hours up to 14:00; raw results after that.
const nowMs = todayMs + 14 * hour + 37 * minute + 20 * s;
const newSinceMs = nowMs - 100 * minute;
// Bulwark stopped for six hours two days ago; the running process touched its interval 10 s ago.
const runningSinceMs = todayMs - 2 * day + 12 * hour;
const options = { dayCount: 5, runningSinceMs };

// Different intervals and holds, so that monitors read their raw results from different starts; `new` has no
// day rows yet and `quiet` no rows at all, so they read hours and minutes from other starts than the rest.
const monitors: readonly (HistoryMonitor & { readonly everyMs?: number; readonly sinceMs?: number })[] = [
  { id: 'api', maxHoldMs: 3 * minute, everyMs: minute },
  { id: 'db', maxHoldMs: 3 * minute, everyMs: minute },
  { id: 'slow', maxHoldMs: 15 * minute, everyMs: 5 * minute },
  { id: 'new', maxHoldMs: 30 * s, everyMs: 10 * s, sinceMs: newSinceMs },
  { id: 'cron', maxHoldMs: day, everyMs: 6 * hour },
  { id: 'quiet', maxHoldMs: 3 * minute },
];
const runtimes = [
  { startedMs: firstResultMs - minute, lastAliveMs: todayMs - 2 * day + 6 * hour },
  { startedMs: runningSinceMs, lastAliveMs: nowMs - 10 * s },
];

/** Each monitor has its own outages, degraded and maintenance stretches, so a mix-up between them shows. */
function stateAt(id: string, atMs: number): Pick<StoredResult, 'state' | 'ok'> {
  const offsetMs = (atMs + id.length * 7 * minute) % (5 * hour);
  if (offsetMs < 20 * minute) return { state: 'down', ok: false };
  if (offsetMs < 35 * minute) return { state: id === 'db' ? 'maintenance' : 'degraded', ok: true };
  return { state: 'up', ok: true };
}

function resultsOf(monitor: (typeof monitors)[number]): StoredResult[] {
  if (monitor.everyMs === undefined) return [];
  const results: StoredResult[] = [];
  for (const { startedMs, lastAliveMs } of runtimes) {
    const fromMs = Math.max(startedMs, monitor.sinceMs ?? firstResultMs);
    for (let atMs = fromMs; atMs <= lastAliveMs; atMs += monitor.everyMs) {
      const { state, ok } = stateAt(monitor.id, atMs);
      results.push({
        monitorId: monitor.id,
        probe: 'local',
        atMs,
        state,
        ok,
        responseTimeMs: 20 + (atMs % 97),
      });
    }
  }
  return results;
}

let dir: string;
let handle: SqliteHandle;
let stores: { readonly results: SqliteResultsStore; readonly rollups: SqliteRollupStore };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-daily-histories-'));
  handle = await openSqlite(join(dir, 'bulwark.db'));
  stores = {
    results: new SqliteResultsStore(handle.db, handle.close),
    rollups: new SqliteRollupStore(handle.db),
  };
  for (const { startedMs, lastAliveMs } of runtimes)
    await stores.results.touchRuntime(await stores.results.startRuntime(startedMs), lastAliveMs);
  await stores.results.append(monitors.flatMap(resultsOf));
  const job = new RollupJob({
    results: stores.results,
    alive: stores.results,
    store: stores.rollups,
    retentionMs: 400 * day,
    rawRetentionMs: 30 * day,
  });
  // Every hour as Bulwark runs it, `new` rolled up once it is configured; `quiet` never reports.
  for (let atMs = firstResultMs + hour; atMs < nowMs + hour; atMs += hour) {
    const runAtMs = Math.min(atMs, nowMs);
    await job.run(
      runAtMs,
      monitors.filter((m) => m.everyMs !== undefined && (m.sinceMs ?? 0) <= runAtMs),
    );
  }
  // A minute the job never wrote for `db` (its results came late): minutes count only up to the gap.
  await handle.db
    .deleteFrom('monitor_rollups')
    .where('monitor_id', '=', 'db')
    .where('resolution', '=', 'minute')
    .where('start_ms', '=', todayMs + 14 * hour + 20 * minute)
    .execute();
}, 60_000);

afterAll(async () => {
  await handle.close();
  await rm(dir, { recursive: true, force: true });
});

/** One monitor read alone, four queries of its own: how the status page read each monitor before. */
async function readAlone(monitor: HistoryMonitor, atMs: number): Promise<DailyHistory> {
  const todayStartMs = periodStartOf(atMs, 'day');
  const firstDayMs = todayStartMs - (options.dayCount - 1) * day;
  const { rollups } = stores;
  const days = await rollups.rollups(monitor.id, 'day', firstDayMs, atMs);
  const hoursFromMs = Math.max(firstDayMs, Math.min(todayStartMs - day, endOf(days)));
  const hours = await rollups.rollups(monitor.id, 'hour', Math.min(hoursFromMs, atMs - day), atMs);
  const hoursEndMs = Math.max(hoursFromMs, endOf(hours));
  const minutes: Rollup[] = [];
  for (const row of await rollups.rollups(monitor.id, 'minute', hoursEndMs, atMs)) {
    if (row.startMs !== Math.max(hoursEndMs, endOf(minutes))) break;
    minutes.push(row);
  }
  const rawFromMs = Math.max(hoursEndMs, endOf(minutes));
  const readFromMs = rawFromMs - monitor.maxHoldMs;
  const results = await stores.results.results(monitor.id, readFromMs, atMs + 1);
  const alive = (await stores.results.runtimes(readFromMs, atMs + 1)).map((a) =>
    a.startedMs === options.runningSinceMs ? { ...a, lastAliveMs: atMs } : a,
  );
  return dailyHistoryOf({ days, hours, minutes, rawFromMs, results, alive }, atMs, {
    ...options,
    ...monitor,
  });
}

function endOf(rows: readonly Rollup[]): number {
  const last = rows.at(-1);
  return last === undefined ? Number.NEGATIVE_INFINITY : last.startMs + resolutionMs[last.resolution];
}

describe('readDailyHistories', () => {
  it.each([
    ['now', nowMs],
    ['seven minutes after Bulwark stopped, the rollup job with it', nowMs + 7 * minute],
    ['the first minutes of the next day', todayMs + day + 3 * minute],
  ])('gives every monitor the history it gets read alone: %s', async (_, atMs) => {
    const ids = [...monitors, { id: 'unknown', maxHoldMs: minute }];
    const together = await readDailyHistories(stores, ids, atMs, options);
    const alone = new Map<string, DailyHistory>();
    for (const monitor of ids) alone.set(monitor.id, await readAlone(monitor, atMs));
    expect(together).toEqual(alone);
    // Not vacuous: the monitors differ, and each part of the last day with results has time in it.
    const today = (id: string) => together.get(id)?.days.find((d) => d.startMs === todayMs);
    expect(today('api')).not.toEqual(today('db'));
    expect(today('api')?.downMs).toBeGreaterThan(0);
    expect(today('db')?.excludedMs).toBeGreaterThan(0);
    expect(today('new')?.upMs).toBeGreaterThan(0);
  });

  it('reads each resolution once for the monitors rolled up together', async () => {
    const calls: string[] = [];
    const counted = {
      results: {
        samplesOf: (...args: Parameters<SqliteResultsStore['samplesOf']>) => {
          calls.push('raw');
          return stores.results.samplesOf(...args);
        },
        runtimes: (fromMs: number, toMs: number) => {
          calls.push('runtimes');
          return stores.results.runtimes(fromMs, toMs);
        },
      },
      rollups: {
        rollupsOf: (...args: Parameters<SqliteRollupStore['rollupsOf']>) => {
          calls.push(args[1]);
          return stores.rollups.rollupsOf(...args);
        },
        rollupTimesOf: (...args: Parameters<SqliteRollupStore['rollupTimesOf']>) => {
          calls.push(args[1]);
          return stores.rollups.rollupTimesOf(...args);
        },
      },
    };
    const alike = ['api', 'slow', 'cron'].map((id) => ({ id, maxHoldMs: 3 * minute }));
    await readDailyHistories(counted, alike, nowMs, options);
    expect(calls).toEqual(['day', 'hour', 'minute', 'raw', 'runtimes']);
  });
});
