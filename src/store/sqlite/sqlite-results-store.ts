import type { Kysely, Selectable } from 'kysely';
import type { MonitorResultsTable, MonitorStatesTable, Schema } from '../schema.ts';
import type {
  HeartbeatCallRow,
  MonitorStateRow,
  ResultSample,
  ResultsStore,
  RuntimeInterval,
  StoredResult,
} from '../../monitor/results-store.ts';
import { openSqlite } from './open.ts';

// 500 rows × 9 columns = 4,500 bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535.
const rowsPerInsert = 500;
// Bound parameters per read of several monitors, under both databases' limits as above.
const monitorsPerRead = 1_000;

/** ResultsStore on Kysely. The queries are dialect-neutral; only opening the database is SQLite-specific. */
export class SqliteResultsStore implements ResultsStore {
  readonly #db: Kysely<Schema>;
  readonly #close: () => Promise<void>;

  constructor(db: Kysely<Schema>, close: () => Promise<void>) {
    this.#db = db;
    this.#close = close;
  }

  static async open(path: string): Promise<SqliteResultsStore> {
    const { db, close } = await openSqlite(path);
    return new SqliteResultsStore(db, close);
  }

  async append(results: readonly StoredResult[]): Promise<void> {
    if (results.length === 0) return;
    // One transaction: one commit (one WAL append) for the whole batch, and all-or-nothing.
    await this.#db.transaction().execute(async (trx) => {
      for (const chunk of chunks(results, rowsPerInsert)) {
        await trx.insertInto('monitor_results').values(chunk.map(toResultRow)).execute();
      }
    });
  }

  async saveStates(states: readonly MonitorStateRow[]): Promise<void> {
    if (states.length === 0) return;
    await this.#db.transaction().execute(async (trx) => {
      for (const chunk of chunks(states, rowsPerInsert)) {
        await trx
          .insertInto('monitor_states')
          .values(chunk.map(toStateRow))
          .onConflict((oc) =>
            oc.column('monitor_id').doUpdateSet((eb) => ({
              state: eb.ref('excluded.state'),
              since_ms: eb.ref('excluded.since_ms'),
              updated_ms: eb.ref('excluded.updated_ms'),
              consecutive_failures: eb.ref('excluded.consecutive_failures'),
              consecutive_successes: eb.ref('excluded.consecutive_successes'),
              paused: eb.ref('excluded.paused'),
              flapping: eb.ref('excluded.flapping'),
            })),
          )
          .execute();
      }
    });
  }

  async loadStates(): Promise<MonitorStateRow[]> {
    const rows = await this.#db.selectFrom('monitor_states').selectAll().orderBy('monitor_id').execute();
    return rows.map(fromStateRow);
  }

  async saveHeartbeatCall(call: HeartbeatCallRow): Promise<void> {
    await this.#db
      .insertInto('heartbeat_calls')
      .values({ monitor_id: call.monitorId, last_call_ms: call.lastCallMs })
      .onConflict((oc) =>
        oc.column('monitor_id').doUpdateSet((eb) => ({ last_call_ms: eb.ref('excluded.last_call_ms') })),
      )
      .execute();
  }

  async loadHeartbeatCalls(): Promise<HeartbeatCallRow[]> {
    const rows = await this.#db.selectFrom('heartbeat_calls').selectAll().orderBy('monitor_id').execute();
    return rows.map((row) => ({ monitorId: row.monitor_id, lastCallMs: row.last_call_ms }));
  }

  async results(monitorId: string, fromMs: number, toMs: number, limit?: number): Promise<StoredResult[]> {
    let query = this.#db
      .selectFrom('monitor_results')
      .selectAll()
      .where('monitor_id', '=', monitorId)
      .where('at_ms', '>=', fromMs)
      .where('at_ms', '<', toMs)
      .orderBy('at_ms')
      .orderBy('probe');
    if (limit !== undefined) query = query.limit(limit);
    return (await query.execute()).map(fromResultRow);
  }

  async samplesOf(monitorIds: readonly string[], fromMs: number, toMs: number): Promise<ResultSample[]> {
    const samples: ResultSample[] = [];
    for (const ids of chunks(monitorIds, monitorsPerRead)) {
      const rows = await this.#db
        .selectFrom('monitor_results')
        .select(['monitor_id', 'at_ms', 'state', 'ok', 'response_time_ms'])
        .where('monitor_id', 'in', ids)
        .where('at_ms', '>=', fromMs)
        .where('at_ms', '<', toMs)
        .orderBy('monitor_id')
        .orderBy('at_ms')
        .orderBy('probe')
        .execute();
      for (const row of rows) samples.push(sampleOf(row));
    }
    return samples;
  }

  async lastResult(monitorId: string, beforeMs: number): Promise<StoredResult | undefined> {
    const row = await this.#db
      .selectFrom('monitor_results')
      .selectAll()
      .where('monitor_id', '=', monitorId)
      .where('at_ms', '<', beforeMs)
      .orderBy('at_ms', 'desc')
      .orderBy('probe', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && fromResultRow(row);
  }

  async lastSamples(monitorId: string, beforeMs: number, count: number): Promise<ResultSample[]> {
    const rows = await this.#db
      .selectFrom('monitor_results')
      .select(['monitor_id', 'at_ms', 'state', 'ok', 'response_time_ms'])
      .where('monitor_id', '=', monitorId)
      .where('at_ms', '<', beforeMs)
      .orderBy('at_ms', 'desc')
      .orderBy('probe', 'desc')
      .limit(count)
      .execute();
    return rows.reverse().map(sampleOf);
  }

  async pruneResultsBefore(atMs: number): Promise<number> {
    const result = await this.#db.deleteFrom('monitor_results').where('at_ms', '<', atMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async startRuntime(nowMs: number): Promise<number> {
    const row = await this.#db
      .insertInto('runtime_intervals')
      .values({ started_ms: nowMs, last_alive_ms: nowMs })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async touchRuntime(id: number, nowMs: number): Promise<void> {
    await this.#db
      .updateTable('runtime_intervals')
      .set({ last_alive_ms: nowMs })
      .where('id', '=', id)
      .execute();
  }

  async runtimes(fromMs: number, toMs: number): Promise<RuntimeInterval[]> {
    const rows = await this.#db
      .selectFrom('runtime_intervals')
      .select(['started_ms', 'last_alive_ms'])
      .where('started_ms', '<', toMs)
      .where('last_alive_ms', '>=', fromMs)
      .orderBy('started_ms')
      .execute();
    return rows.map((r) => ({ startedMs: r.started_ms, lastAliveMs: r.last_alive_ms }));
  }

  close(): Promise<void> {
    return this.#close();
  }
}

function* chunks<T>(items: readonly T[], size: number): Generator<readonly T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

function toResultRow(result: StoredResult) {
  return {
    monitor_id: result.monitorId,
    probe: result.probe,
    at_ms: result.atMs,
    state: result.state,
    ok: result.ok ? 1 : 0,
    response_time_ms: result.responseTimeMs,
    status: result.status ?? null,
    message: result.message ?? null,
    cert_days_left: result.certDaysLeft ?? null,
  };
}

function fromResultRow(row: Selectable<MonitorResultsTable>): StoredResult {
  return {
    monitorId: row.monitor_id,
    probe: row.probe,
    atMs: row.at_ms,
    state: row.state,
    ok: row.ok !== 0,
    responseTimeMs: row.response_time_ms,
    ...(row.status !== null && { status: row.status }),
    ...(row.message !== null && { message: row.message }),
    ...(row.cert_days_left !== null && { certDaysLeft: row.cert_days_left }),
  };
}

type SampleRow = Pick<
  Selectable<MonitorResultsTable>,
  'monitor_id' | 'at_ms' | 'state' | 'ok' | 'response_time_ms'
>;

function sampleOf(row: SampleRow): ResultSample {
  return {
    monitorId: row.monitor_id,
    atMs: row.at_ms,
    state: row.state,
    ok: row.ok !== 0,
    responseTimeMs: row.response_time_ms,
  };
}

function toStateRow(state: MonitorStateRow): MonitorStatesTable {
  return {
    monitor_id: state.monitorId,
    state: state.state,
    since_ms: state.sinceMs,
    updated_ms: state.updatedMs,
    consecutive_failures: state.consecutiveFailures,
    consecutive_successes: state.consecutiveSuccesses,
    paused: state.paused ? 1 : 0,
    flapping: state.flapping === undefined ? null : state.flapping ? 1 : 0,
  };
}

function fromStateRow(row: Selectable<MonitorStatesTable>): MonitorStateRow {
  return {
    monitorId: row.monitor_id,
    state: row.state,
    sinceMs: row.since_ms,
    updatedMs: row.updated_ms,
    consecutiveFailures: row.consecutive_failures,
    consecutiveSuccesses: row.consecutive_successes,
    paused: row.paused !== 0,
    ...(row.flapping !== null && { flapping: row.flapping !== 0 }),
  };
}
