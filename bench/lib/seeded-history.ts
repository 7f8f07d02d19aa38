import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredResult } from '../../src/monitor/results-store.ts';
import { RollupJob } from '../../src/monitor/rollup-job.ts';
import { maxHoldOf } from '../../src/monitor/uptime.ts';
import { openSqlite, SqliteResultsStore, SqliteRollupStore } from '../../src/store/index.ts';

/**
 * One SQLite file with `hours` of results for `monitorCount` monitors, each checked every `checkEveryMs` and
 * always up, while Bulwark was running, then rolled up by the rollup job as it runs in Bulwark. For the
 * benchmarks of what reads monitor history (the status page's uptime bars, the admin API's reports).
 */
export interface SeededHistory {
  readonly stores: { readonly results: SqliteResultsStore; readonly rollups: SqliteRollupStore };
  readonly monitors: readonly { readonly id: string; readonly maxHoldMs: number }[];
  readonly nowMs: number;
  /** When the seeded process's alive interval began: the running one, alive up to now. */
  readonly runningSinceMs: number;
  close(): Promise<void>;
}

export async function seedHistory(plan: {
  readonly monitorCount: number;
  readonly checkEveryMs: number;
  readonly hours: number;
  readonly nowMs: number;
}): Promise<SeededHistory> {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-bench-history-'));
  const handle = await openSqlite(join(dir, 'bulwark.db'));
  const close = async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const results = new SqliteResultsStore(handle.db, () => Promise.resolve());
    const rollups = new SqliteRollupStore(handle.db);
    const monitors = Array.from({ length: plan.monitorCount }, (_, i) => ({
      id: `monitor-${i}`,
      maxHoldMs: maxHoldOf(plan.checkEveryMs),
    }));
    const { nowMs, checkEveryMs } = plan;
    const fromMs = nowMs - plan.hours * 3_600_000;
    const runningSinceMs = fromMs - checkEveryMs;
    await results.touchRuntime(await results.startRuntime(runningSinceMs), nowMs);
    const batch: StoredResult[] = [];
    for (let atMs = fromMs; atMs < nowMs; atMs += checkEveryMs) {
      for (const { id } of monitors)
        batch.push({ monitorId: id, probe: 'local', atMs, state: 'up', ok: true, responseTimeMs: 20 });
      if (batch.length >= 50_000) await results.append(batch.splice(0));
    }
    await results.append(batch);
    const job = new RollupJob({
      results,
      alive: results,
      store: rollups,
      retentionMs: 400 * 86_400_000,
      rawRetentionMs: 30 * 86_400_000,
      maxHoursPerRun: 100,
    });
    await job.run(nowMs, monitors);
    return { stores: { results, rollups }, monitors, nowMs, runningSinceMs, close };
  } catch (error) {
    await close();
    throw error;
  }
}
