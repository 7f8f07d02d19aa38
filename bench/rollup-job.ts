import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LatencySketch } from '../src/monitor/latency-sketch.ts';
import { RollupJob, type RollupMonitor } from '../src/monitor/rollup-job.ts';
import type { StoredResult } from '../src/monitor/results-store.ts';
import { openSqlite, SqliteResultsStore, SqliteRollupStore } from '../src/store/index.ts';

/**
 * What rolling up costs: `monitors` monitors checked every `interval` seconds for one hour, in a SQLite file
 * in a temp dir. Times the catch-up run (60 minutes and the hour), then one steady-state minute, and prints
 * the sizes of the rows.
 *   node --disable-warning=ExperimentalWarning bench/rollup-job.ts [--monitors 1000] [--interval 60]
 */

const { values } = parseArgs({
  options: { monitors: { type: 'string', default: '1000' }, interval: { type: 'string', default: '60' } },
});
const monitorCount = Number(values.monitors);
const intervalMs = Number(values.interval) * 1000;
const hourMs = 3_600_000;
const startMs = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000; // yesterday, UTC midnight

const dir = await mkdtemp(join(tmpdir(), 'bulwark-bench-rollup-'));
try {
  const { db, close } = await openSqlite(join(dir, 'bulwark.db'));
  const results = new SqliteResultsStore(db, close);
  const rollups = new SqliteRollupStore(db);
  const runtime = await results.startRuntime(startMs);
  await results.touchRuntime(runtime, startMs + 2 * hourMs);

  const monitors: RollupMonitor[] = Array.from({ length: monitorCount }, (_, i) => ({
    id: `monitor-${i}`,
    maxHoldMs: 3 * intervalMs,
  }));
  let random = 1;
  const batch: StoredResult[] = [];
  for (let atMs = startMs; atMs < startMs + hourMs + 5 * 60_000; atMs += intervalMs) {
    for (const { id } of monitors) {
      random = (random * 48_271) % 2_147_483_647;
      const down = random % 500 === 0;
      const responseTimeMs = 5 + (random % 400) + (random % 97) / 10;
      batch.push({
        monitorId: id,
        probe: 'local',
        atMs,
        state: down ? 'down' : 'up',
        ok: !down,
        responseTimeMs,
      });
    }
    if (batch.length >= 50_000) await results.append(batch.splice(0));
  }
  await results.append(batch);

  const job = new RollupJob({
    results,
    alive: results,
    store: rollups,
    retentionMs: 400 * 86_400_000,
    rawRetentionMs: 7 * 86_400_000,
    maxHoursPerRun: 24,
  });
  // Settled: 60 complete minutes and the hour they make; the job starts from the raw retention's edge.
  const catchUpStarted = performance.now();
  const first = await job.run(startMs + hourMs + 60_000, monitors);
  const catchUpMs = performance.now() - catchUpStarted;
  const steadyMs: number[] = [];
  for (let minute = 2; minute <= 4; minute++) {
    const started = performance.now();
    await job.run(startMs + hourMs + minute * 60_000, monitors);
    steadyMs.push(performance.now() - started);
  }

  const minuteRows = await rollups.rollups('monitor-0', 'minute', startMs, startMs + hourMs);
  const [hourRow] = await rollups.rollups('monitor-0', 'hour', startMs, startMs + hourMs);
  const mean = (sizes: number[]) => sizes.reduce((a, b) => a + b, 0) / sizes.length;
  // A day of this monitor's results at the same interval, for the size of a day row's sketch.
  const day = new LatencySketch();
  for (let i = 0; i < 86_400_000 / intervalMs; i++) {
    random = (random * 48_271) % 2_147_483_647;
    day.add(5 + (random % 400) + (random % 97) / 10);
  }

  console.log(`${monitorCount} monitors, a result every ${intervalMs / 1000} s`);
  console.log(
    `catch-up run: ${first.minuteRows} minute rows + ${first.hourRows} hour rows in ${catchUpMs.toFixed(0)} ms`,
  );
  console.log(`steady runs (one minute each): ${steadyMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  console.log(
    `sketch bytes: minute ${mean(minuteRows.map((r) => r.sketch.length)).toFixed(1)}, ` +
      `hour ${hourRow!.sketch.length}, day ${day.toBytes().length}`,
  );
  await results.close();
  const { size } = await stat(join(dir, 'bulwark.db'));
  console.log(`database file: ${(size / 1e6).toFixed(1)} MB (raw results and rollups)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
