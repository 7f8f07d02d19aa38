import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, SqliteResultsStore, SqliteRollupStore } from '../store/index.ts';
import { LatencySketch } from './latency-sketch.ts';
import type { StoredResult } from './results-store.ts';
import type { RollupStore } from './rollup-store.ts';
import { resolutionMs, uptimeOfRollups, type Rollup, type RollupResolution } from './rollup.ts';
import { RollupJob, type RollupMonitor } from './rollup-job.ts';
import { uptimeOf } from './uptime.ts';

const s = 1_000;
const minute = 60 * s;
const hour = 60 * minute;
const day = 24 * hour;
const dayStart = 1_700_000_000_000 - (1_700_000_000_000 % day); // a UTC midnight
const at = (h: number, m = 0) => dayStart + h * hour + m * minute;
// Bulwark ran 22:00–23:20 and 23:40–01:30 the next day (hour 24 = 00:00).
const alive = [
  { startedMs: at(22), lastAliveMs: at(23, 20) },
  { startedMs: at(23, 40), lastAliveMs: at(25, 30) },
];
const monitors: RollupMonitor[] = [
  { id: 'api', maxHoldMs: 90 * s },
  { id: 'db', maxHoldMs: 3 * minute },
];
const retention = { retentionMs: 400 * day, rawRetentionMs: 7 * day };

function apiState(atMs: number): string {
  if (atMs >= at(22, 30) && atMs < at(22, 40)) return 'degraded';
  if (atMs >= at(23, 5) && atMs < at(23, 15)) return 'down';
  if (atMs >= at(24, 30) && atMs < at(24, 35)) return 'paused';
  return 'up';
}

function rawResults(): StoredResult[] {
  const results: StoredResult[] = [];
  for (const { startedMs, lastAliveMs } of alive) {
    for (let atMs = startedMs, i = 0; atMs <= lastAliveMs; atMs += 30 * s, i++) {
      const state = apiState(atMs);
      const responseTimeMs = state === 'degraded' ? 900 + (i % 7) : 20 + ((i * 37) % 180);
      results.push({ monitorId: 'api', probe: 'local', atMs, state, ok: state !== 'down', responseTimeMs });
      if (i % 2 === 0)
        results.push({ monitorId: 'db', probe: 'local', atMs, state: 'up', ok: true, responseTimeMs: 5 });
    }
  }
  return results.sort((a, b) => a.atMs - b.atMs);
}

let dir: string;
let fileCount = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-rollup-job-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A database file with the raw history above, and its results and rollup stores on one handle. `written`
 * keeps every row the job wrote: minutes are pruned two hours after they end.
 */
async function openWithHistory() {
  const { db, close } = await openSqlite(join(dir, `job-${++fileCount}.db`));
  const results = new SqliteResultsStore(db, close);
  const rollups = new SqliteRollupStore(db);
  const written: Rollup[] = [];
  const recording: RollupStore = {
    upsertRollups: (rows) => {
      written.push(...rows);
      return rollups.upsertRollups(rows);
    },
    rollups: (...args) => rollups.rollups(...args),
    rollupsOf: (...args) => rollups.rollupsOf(...args),
    rollupTimesOf: (...args) => rollups.rollupTimesOf(...args),
    pruneRollupsBefore: (...args) => rollups.pruneRollupsBefore(...args),
    latestRollupStart: (resolution) => rollups.latestRollupStart(resolution),
  };
  for (const interval of alive) {
    const id = await results.startRuntime(interval.startedMs);
    await results.touchRuntime(id, interval.lastAliveMs);
  }
  await results.append(rawResults());
  const job = (options: { maxHoursPerRun?: number } = {}) =>
    new RollupJob({ results, alive: results, store: recording, ...retention, ...options });
  const writtenMinutes = (monitorId: string) =>
    written.filter((r) => r.monitorId === monitorId && r.resolution === 'minute');
  return { results, rollups, job, writtenMinutes };
}

async function allRows(store: SqliteRollupStore, resolution: RollupResolution): Promise<Rollup[]> {
  const rows = await Promise.all(
    monitors.map((m) => store.rollups(m.id, resolution, 0, Number.MAX_SAFE_INTEGER)),
  );
  return rows.flat();
}

describe('RollupJob', () => {
  let history: Awaited<ReturnType<typeof openWithHistory>>;
  beforeEach(async () => {
    history = await openWithHistory();
  });
  afterEach(async () => {
    await history.results.close();
  });

  it('rolls complete minutes, hours and days, leaving out time nothing was observed', async () => {
    // 01:31:30 with a 60 s settle: minutes up to 01:30 are complete, so hours up to 01:00 and day 0.
    const report = await history.job().run(at(25, 31) + 30 * s, monitors);
    expect(report).toMatchObject({ hourRows: 6, dayRows: 2, isCaughtUp: true });

    const apiMinutes = history.writtenMinutes('api');
    // 22:00–23:20 and 23:40–01:30. Of the 20 minutes Bulwark was down, only 23:20 has a row: the result
    // taken as it stopped counts, but holds no time.
    expect(apiMinutes).toHaveLength(81 + 110);
    expect(apiMinutes.find((r) => r.startMs === at(23, 20))).toMatchObject({ count: 1, noDataMs: minute });
    expect(apiMinutes.find((r) => r.startMs === at(23, 21))).toBeUndefined();
    expect(apiMinutes.find((r) => r.startMs === at(23, 5))).toMatchObject({
      count: 2,
      failures: 2,
      downMs: minute,
      noDataMs: 0,
    });
    expect(report.minuteRows).toBe(apiMinutes.length + history.writtenMinutes('db').length);
    // Minutes only feed hours: those older than two hours are gone once their hours exist.
    expect((await history.rollups.rollups('api', 'minute', 0, at(26)))[0]?.startMs).toBe(at(23, 40));
    expect(report.prunedRows).toBe(
      [...apiMinutes, ...history.writtenMinutes('db')].filter((r) => r.startMs < at(23, 31) + 30 * s).length,
    );

    const apiHours = await history.rollups.rollups('api', 'hour', 0, at(26));
    expect(apiHours.map((r) => r.startMs)).toEqual([at(22), at(23), at(24)]);
    expect(apiHours[1]).toMatchObject({ upMs: 30 * minute, downMs: 10 * minute, noDataMs: 20 * minute });
    expect(apiHours[2]).toMatchObject({ upMs: 55 * minute, otherMs: 5 * minute, noDataMs: 0 });
    expect(await history.rollups.rollups('api', 'day', 0, at(26))).toMatchObject([
      {
        startMs: dayStart,
        count: 2 * 80 + 41,
        upMs: 80 * minute,
        degradedMs: 10 * minute,
        downMs: 10 * minute,
      },
    ]);
  });

  it("gives each hour the uptime uptimeOf computes from the hour's raw results", async () => {
    await history.job().run(at(25, 31) + 30 * s, monitors);
    for (const monitor of monitors) {
      const samples = await history.results.results(monitor.id, 0, at(26));
      for (const row of await history.rollups.rollups(monitor.id, 'hour', 0, at(26))) {
        const raw = uptimeOf(
          samples,
          alive,
          { fromMs: row.startMs, toMs: row.startMs + hour },
          monitor.maxHoldMs,
        );
        expect(row.upMs + row.degradedMs).toBe(raw.upMs);
        expect(row.degradedMs).toBe(raw.degradedMs);
        expect(row.downMs).toBe(raw.downMs);
        expect(row.noDataMs).toBe(raw.noDataMs);
        expect(uptimeOfRollups([row])).toBe(raw.ratio);
      }
    }
  });

  it('keeps the latency percentiles of the raw results within the sketch accuracy', async () => {
    await history.job().run(at(25, 31) + 30 * s, monitors);
    const [hourRow] = await history.rollups.rollups('api', 'hour', at(22), at(23));
    const latencies = (await history.results.results('api', at(22), at(23)))
      .filter((r) => r.ok)
      .map((r) => r.responseTimeMs)
      .sort((a, b) => a - b);
    const sketch = LatencySketch.fromBytes(hourRow!.sketch);
    expect(sketch.count).toBe(latencies.length);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = latencies[Math.floor(q * (latencies.length - 1))]!;
      expect(Math.abs(sketch.quantile(q)! - exact) / exact).toBeLessThanOrEqual(
        LatencySketch.relativeAccuracy,
      );
    }
  });

  it('writes the same rows whether it runs once, again, every minute or in small catch-up steps', async () => {
    const endMs = at(25, 31) + 30 * s;
    await history.job().run(endMs, monitors);
    const once = await Promise.all(
      (['minute', 'hour', 'day'] as const).map((r) => allRows(history.rollups, r)),
    );

    const again = await history.job().run(endMs, monitors);
    expect(again).toMatchObject({ minuteRows: 0, hourRows: 0, dayRows: 0, isCaughtUp: true });

    const everyMinute = await openWithHistory();
    const job = everyMinute.job();
    for (let nowMs = at(21, 50); nowMs <= endMs; nowMs += minute) await job.run(nowMs, monitors);
    const stepwise = await openWithHistory();
    const reports = [];
    for (let i = 0; i < 5; i++) reports.push(await stepwise.job({ maxHoursPerRun: 1 }).run(endMs, monitors));
    expect(reports.map((r) => r.isCaughtUp)).toEqual([false, false, false, true, true]);

    for (const other of [everyMinute, stepwise]) {
      const rows = await Promise.all(
        (['minute', 'hour', 'day'] as const).map((r) => allRows(other.rollups, r)),
      );
      expect(rows).toEqual(once);
      await other.results.close();
    }
  });

  it('prunes minutes after 2 hours, hours after 8 days and days after the retention', async () => {
    const nowMs = at(25, 31) + 30 * s;
    const old = (resolution: RollupResolution, ageMs: number): Rollup => ({
      monitorId: 'gone',
      resolution,
      startMs: nowMs - ageMs,
      count: 0,
      failures: 0,
      upMs: resolutionMs[resolution],
      degradedMs: 0,
      downMs: 0,
      otherMs: 0,
      noDataMs: 0,
      sketch: new LatencySketch().toBytes(),
    });
    // After a first run: the job's progress is its newest rows, and these would look newer than its own.
    await history.job().run(nowMs, monitors);
    await history.rollups.upsertRollups([
      old('minute', 2 * hour + minute),
      old('minute', 2 * hour - minute),
      old('hour', 8 * day + hour),
      old('hour', 8 * day - hour),
      old('day', 400 * day + day),
      old('day', 400 * day - day),
    ]);
    await history.job().run(nowMs, monitors);
    for (const resolution of ['minute', 'hour', 'day'] as const)
      expect(await history.rollups.rollups('gone', resolution, 0, nowMs)).toHaveLength(1);
    // A day later the job's own minutes are gone; its hours stay eight days, its days the retention.
    await history.job().run(nowMs + day, monitors);
    expect(await history.rollups.rollups('api', 'minute', 0, at(26))).toEqual([]);
    expect(await history.rollups.rollups('api', 'hour', 0, at(26))).toHaveLength(4);
    await history.job().run(nowMs + 9 * day, monitors);
    expect(await history.rollups.rollups('api', 'hour', 0, at(26))).toEqual([]);
    expect(await history.rollups.rollups('api', 'day', 0, at(26))).toHaveLength(2);
  });

  it('keeps hours until their day is built, so catching up over a long retention.raw moves on', async () => {
    // Raw results kept 30 days and nothing rolled up yet: 20-day-old hours are past their 8 days at once.
    const { db, close } = await openSqlite(join(dir, `job-${++fileCount}.db`));
    const results = new SqliteResultsStore(db, close);
    const rollups = new SqliteRollupStore(db);
    const runtime = await results.startRuntime(at(-20 * 24));
    await results.touchRuntime(runtime, at(-18 * 24));
    const samples: StoredResult[] = [];
    for (let atMs = at(-20 * 24); atMs < at(-18 * 24); atMs += minute)
      samples.push({ monitorId: 'api', probe: 'local', atMs, state: 'up', ok: true, responseTimeMs: 5 });
    await results.append(samples);
    const job = new RollupJob({
      results,
      alive: results,
      store: rollups,
      retentionMs: 400 * day,
      rawRetentionMs: 30 * day,
      maxHoursPerRun: 6,
    });
    const apiOnly = [{ id: 'api', maxHoldMs: 3 * minute }];
    let runs = 0;
    while (!(await job.run(at(1), apiOnly)).isCaughtUp) expect(++runs).toBeLessThan(20);
    expect(runs).toBe(48 / 6);
    const days = await rollups.rollups('api', 'day', 0, at(1));
    expect(days.map((d) => [d.startMs, d.upMs])).toEqual([
      [at(-20 * 24), day],
      [at(-19 * 24), day],
    ]);
    expect(await rollups.rollups('api', 'hour', 0, at(1))).toEqual([]);
    await results.close();
  });
});
