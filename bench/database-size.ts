import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { StoredResult } from '../src/monitor/results-store.ts';
import { resolutionMs, type RollupResolution } from '../src/monitor/rollup.ts';
import { RollupJob, rollupKeepMs, type RollupMonitor } from '../src/monitor/rollup-job.ts';
import { openSqlite, SqliteResultsStore, SqliteRollupStore } from '../src/store/index.ts';
import { benchArgs } from './lib/args.ts';

/**
 * What the database holds per monitor. `monitors` monitors checked every `interval` seconds for `hours`
 * simulated hours from a UTC midnight, written through SqliteResultsStore in batches of 500 (as the batch
 * writer does) and rolled up by RollupJob every simulated minute (as MonitoringHost does), with the default
 * retention. Sizes are SQLite's pages per table and index (dbstat); a resolution's bytes per row come from a
 * vacuumed copy holding only that resolution. Then the steady state per monitor, from rows kept × row size.
 *   node --disable-warning=ExperimentalWarning bench/database-size.ts [--monitors 100] [--interval 30] [--hours 26]
 */

const { values } = benchArgs(import.meta.url, {
  options: {
    monitors: { type: 'string', default: '100' },
    interval: { type: 'string', default: '30' },
    hours: { type: 'string', default: '26' },
  },
});
const monitorCount = Number(values.monitors);
const intervalMs = Number(values.interval) * 1000;
const simulatedMs = Number(values.hours) * resolutionMs.hour;
const dayMs = resolutionMs.day;
// A day row is built once the first hour after midnight is: fewer hours leave no day to measure.
if (!(simulatedMs >= dayMs + resolutionMs.hour)) throw new RangeError('--hours must be 25 or more');
const retention = { rawMs: 7 * dayMs, rollupsMs: 400 * dayMs };
const resolutions = ['minute', 'hour', 'day'] as const;
const startMs = Math.floor(Date.now() / dayMs) * dayMs - 3 * dayMs; // a UTC midnight

const dir = await mkdtemp(join(tmpdir(), 'bulwark-bench-size-'));
try {
  const path = join(dir, 'bulwark.db');
  const wallStarted = performance.now();
  await simulate(path);
  const wallMs = performance.now() - wallStarted;
  const live = measure(path);
  const rowBytes = Object.fromEntries(
    resolutions.map((r) => [r, rollupBytesPerRow(path, r, join(dir, `${r}.db`))]),
  ) as Record<RollupResolution, number>;
  report(live, rowBytes, wallMs);
} finally {
  await rm(dir, { recursive: true, force: true });
}

async function simulate(path: string): Promise<void> {
  const { db, close } = await openSqlite(path);
  const results = new SqliteResultsStore(db, close);
  const job = new RollupJob({
    results,
    alive: results,
    store: new SqliteRollupStore(db),
    retentionMs: retention.rollupsMs,
    rawRetentionMs: retention.rawMs,
  });
  const monitors: RollupMonitor[] = Array.from({ length: monitorCount }, (_, i) => ({
    id: `monitor-${i}`,
    maxHoldMs: 3 * intervalMs,
  }));
  const runtime = await results.startRuntime(startMs);
  let random = 1;
  let nextCheckMs = startMs;
  const pending: StoredResult[] = [];
  for (let nowMs = startMs + 60_000; nowMs <= startMs + simulatedMs; nowMs += 60_000) {
    // Each monitor once per interval, spread over it as the scheduler spreads them.
    for (; nextCheckMs < nowMs; nextCheckMs += intervalMs) {
      for (const [i, { id }] of monitors.entries()) {
        random = (random * 48_271) % 2_147_483_647;
        const isDown = random % 500 === 0;
        pending.push({
          monitorId: id,
          probe: 'local',
          atMs: nextCheckMs + Math.floor((i * intervalMs) / monitorCount),
          state: isDown ? 'down' : 'up',
          ok: !isDown,
          responseTimeMs: 5 + (random % 400) + (random % 97) / 10,
          status: isDown ? 503 : 200,
          message: isDown ? 'expected status == 200, got 503' : 'ok',
        });
      }
    }
    pending.sort((a, b) => a.atMs - b.atMs);
    const dueCount = pending.findIndex((r) => r.atMs >= nowMs);
    const due = pending.splice(0, dueCount < 0 ? pending.length : dueCount);
    for (let i = 0; i < due.length; i += 500) await results.append(due.slice(i, i + 500));
    await results.touchRuntime(runtime, nowMs);
    await job.run(nowMs, monitors);
  }
  await results.close();
}

interface Live {
  readonly resultRows: number;
  readonly resultBytes: number;
  readonly rollupRows: Record<RollupResolution, number>;
  readonly rollupBytes: number;
  /** Share of the rollups' pages holding data; pruning leaves pages part-empty until reused. */
  readonly rollupFill: number;
}

function measure(path: string): Live {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const pages = pagesByTable(db);
    const rows = (sql: string) => Number(db.prepare(sql).get()?.['n'] ?? 0);
    const rollups = pages.get('monitor_rollups') ?? { bytes: 0, used: 0 };
    return {
      resultRows: rows('SELECT COUNT(*) AS n FROM monitor_results'),
      resultBytes: pages.get('monitor_results')?.bytes ?? 0,
      rollupRows: Object.fromEntries(
        resolutions.map((r) => [
          r,
          rows(`SELECT COUNT(*) AS n FROM monitor_rollups WHERE resolution = '${r}'`),
        ]),
      ) as Record<RollupResolution, number>,
      rollupBytes: rollups.bytes,
      rollupFill: rollups.used / rollups.bytes,
    };
  } finally {
    db.close();
  }
}

/** Pages of each table with its indexes: all of them, and the bytes in use. */
function pagesByTable(db: DatabaseSync): Map<string, { bytes: number; used: number }> {
  const rows = db
    .prepare(
      `SELECT s.tbl_name AS tbl, SUM(d.pgsize) AS bytes, SUM(d.pgsize - d.unused) AS used
       FROM dbstat d JOIN sqlite_schema s ON s.name = d.name GROUP BY s.tbl_name`,
    )
    .all();
  return new Map(rows.map((r) => [String(r['tbl']), { bytes: Number(r['bytes']), used: Number(r['used']) }]));
}

/** Bytes per row of one resolution, table and both indexes, packed: from a vacuumed copy of only those rows. */
function rollupBytesPerRow(path: string, resolution: RollupResolution, copyPath: string): number {
  const source = new DatabaseSync(path);
  source.exec(`VACUUM INTO '${copyPath}'`);
  source.close();
  const copy = new DatabaseSync(copyPath);
  try {
    copy.exec(
      `DELETE FROM monitor_rollups WHERE resolution <> '${resolution}'; DELETE FROM monitor_results;`,
    );
    copy.exec('VACUUM');
    const rows = Number(copy.prepare('SELECT COUNT(*) AS n FROM monitor_rollups').get()?.['n'] ?? 0);
    return (pagesByTable(copy).get('monitor_rollups')?.used ?? 0) / rows;
  } finally {
    copy.close();
  }
}

function report(live: Live, rowBytes: Record<RollupResolution, number>, wallMs: number): void {
  const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
  const perDay = dayMs / intervalMs;
  const perResult = live.resultBytes / live.resultRows;
  const keepMs = rollupKeepMs(retention.rollupsMs);
  console.log(
    `${monitorCount} monitors, a result every ${intervalMs / 1000} s, ${simulatedMs / resolutionMs.hour} simulated ` +
      `hours rolled up every minute (${(wallMs / 1000).toFixed(0)} s)`,
  );
  console.log(
    `raw results: ${perResult.toFixed(1)} B/result (table + index pages) → ${kb(perResult * perDay)} per monitor ` +
      `per day; ${kb(perResult * perDay * (retention.rawMs / dayMs))} per monitor at retention.raw 7d`,
  );
  const held = resolutions.map((r) => `${(live.rollupRows[r] / monitorCount).toFixed(0)} ${r}s`).join(', ');
  console.log(
    `rollups held at the end: ${held} per monitor; ${kb(live.rollupBytes / monitorCount)} of pages per monitor ` +
      `(${(live.rollupFill * 100).toFixed(0)}% filled)`,
  );
  console.log(
    `rollup row (table + 2 indexes, packed): ` +
      resolutions.map((r) => `${r} ${rowBytes[r].toFixed(0)} B`).join(', '),
  );
  let total = 0;
  const parts = resolutions.map((r) => {
    const bytes = (keepMs[r] / resolutionMs[r]) * rowBytes[r];
    total += bytes;
    return `${r}s ${formatDuration(keepMs[r])} ${kb(bytes)}`;
  });
  console.log(`steady state per monitor (packed): ${parts.join(' + ')} = ${kb(total)}`);
  console.log(
    `10,000 monitors: rollups ${((total * 10_000) / 1e9).toFixed(2)} GB; raw results at 7d ` +
      `${((perResult * perDay * 7 * 10_000) / 1e9).toFixed(2)} GB, at 1d ${((perResult * perDay * 10_000) / 1e9).toFixed(2)} GB`,
  );
}

function formatDuration(ms: number): string {
  return ms >= dayMs ? `${ms / dayMs}d` : `${ms / resolutionMs.hour}h`;
}
