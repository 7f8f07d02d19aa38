import type { Kysely, Selectable } from 'kysely';
import type { RollupResolution, RollupStore, RollupTimes, StoredRollup } from '../../monitor/rollup-store.ts';
import type { MonitorRollupsTable, Schema } from '../schema.ts';

// 500 rows × 11 columns = 5,500 bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535.
const rowsPerInsert = 500;
// Bound parameters per read of several monitors, under both databases' limits as above.
const monitorsPerRead = 1_000;

/**
 * RollupStore on Kysely, dialect-neutral like SqliteResultsStore. It borrows the handle openSqlite returned
 * (the one the results store uses) and does not close it: its owner does.
 */
export class SqliteRollupStore implements RollupStore {
  readonly #db: Kysely<Schema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async upsertRollups(rows: readonly StoredRollup[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#db.transaction().execute(async (trx) => {
      for (let start = 0; start < rows.length; start += rowsPerInsert) {
        await trx
          .insertInto('monitor_rollups')
          .values(rows.slice(start, start + rowsPerInsert).map(toRow))
          .onConflict((oc) =>
            oc.columns(['monitor_id', 'resolution', 'start_ms']).doUpdateSet((eb) => ({
              count: eb.ref('excluded.count'),
              failures: eb.ref('excluded.failures'),
              up_ms: eb.ref('excluded.up_ms'),
              degraded_ms: eb.ref('excluded.degraded_ms'),
              down_ms: eb.ref('excluded.down_ms'),
              other_ms: eb.ref('excluded.other_ms'),
              no_data_ms: eb.ref('excluded.no_data_ms'),
              sketch: eb.ref('excluded.sketch'),
            })),
          )
          .execute();
      }
    });
  }

  async rollups(
    monitorId: string,
    resolution: RollupResolution,
    fromMs: number,
    toMs: number,
  ): Promise<StoredRollup[]> {
    const rows = await this.#db
      .selectFrom('monitor_rollups')
      .selectAll()
      .where('monitor_id', '=', monitorId)
      .where('resolution', '=', resolution)
      .where('start_ms', '>=', fromMs)
      .where('start_ms', '<', toMs)
      .orderBy('start_ms')
      .execute();
    return rows.map(fromRow);
  }

  async rollupsOf(
    monitorIds: readonly string[],
    resolution: RollupResolution,
    fromMs: number,
    toMs: number,
  ): Promise<StoredRollup[]> {
    const stored: StoredRollup[] = [];
    for (const ids of chunks(monitorIds, monitorsPerRead)) {
      const rows = await this.#rowsOf(ids, resolution, fromMs, toMs).selectAll().execute();
      for (const row of rows) stored.push(fromRow(row));
    }
    return stored;
  }

  async rollupTimesOf(
    monitorIds: readonly string[],
    resolution: RollupResolution,
    fromMs: number,
    toMs: number,
  ): Promise<RollupTimes[]> {
    const stored: RollupTimes[] = [];
    for (const ids of chunks(monitorIds, monitorsPerRead)) {
      const rows = await this.#rowsOf(ids, resolution, fromMs, toMs)
        .select(['monitor_id', 'start_ms', 'up_ms', 'degraded_ms', 'down_ms', 'other_ms'])
        .execute();
      for (const row of rows) {
        stored.push({
          monitorId: row.monitor_id,
          resolution,
          startMs: row.start_ms,
          upMs: row.up_ms,
          degradedMs: row.degraded_ms,
          downMs: row.down_ms,
          otherMs: row.other_ms,
        });
      }
    }
    return stored;
  }

  #rowsOf(monitorIds: readonly string[], resolution: RollupResolution, fromMs: number, toMs: number) {
    return this.#db
      .selectFrom('monitor_rollups')
      .where('monitor_id', 'in', monitorIds)
      .where('resolution', '=', resolution)
      .where('start_ms', '>=', fromMs)
      .where('start_ms', '<', toMs)
      .orderBy('monitor_id')
      .orderBy('start_ms');
  }

  async pruneRollupsBefore(resolution: RollupResolution, atMs: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('monitor_rollups')
      .where('resolution', '=', resolution)
      .where('start_ms', '<', atMs)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async latestRollupStart(resolution: RollupResolution): Promise<number | undefined> {
    const row = await this.#db
      .selectFrom('monitor_rollups')
      .select((eb) => eb.fn.max('start_ms').as('latest'))
      .where('resolution', '=', resolution)
      .executeTakeFirst();
    // pg returns bigint aggregates as strings.
    return row?.latest == null ? undefined : Number(row.latest);
  }
}

function toRow(rollup: StoredRollup): MonitorRollupsTable {
  return {
    monitor_id: rollup.monitorId,
    resolution: rollup.resolution,
    start_ms: rollup.startMs,
    count: rollup.count,
    failures: rollup.failures,
    up_ms: rollup.upMs,
    degraded_ms: rollup.degradedMs,
    down_ms: rollup.downMs,
    other_ms: rollup.otherMs,
    no_data_ms: rollup.noDataMs,
    sketch: rollup.sketch,
  };
}

function fromRow(row: Selectable<MonitorRollupsTable>): StoredRollup {
  return {
    monitorId: row.monitor_id,
    resolution: row.resolution as RollupResolution,
    startMs: row.start_ms,
    count: row.count,
    failures: row.failures,
    upMs: row.up_ms,
    degradedMs: row.degraded_ms,
    downMs: row.down_ms,
    otherMs: row.other_ms,
    noDataMs: row.no_data_ms,
    sketch: row.sketch,
  };
}

function* chunks<T>(items: readonly T[], size: number): Generator<readonly T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
