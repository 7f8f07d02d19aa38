import type { Kysely } from 'kysely';
import type { TrafficRow, TrafficStore } from '../../monitor/traffic.ts';
import type { Schema } from '../schema.ts';

/** Traffic minutes in the shared database handle (borrowed: this store never closes it). */
export class SqliteTrafficStore implements TrafficStore {
  readonly #db: Kysely<Schema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async appendTraffic(rows: readonly TrafficRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 500) {
        const values = rows.slice(i, i + 500).map((row) => ({
          scope: row.scope,
          name: row.name,
          start_ms: row.startMs,
          requests: row.requests,
          errors: row.errors,
          p50_ms: row.p50Ms,
          p95_ms: row.p95Ms,
          p99_ms: row.p99Ms,
        }));
        await trx
          .insertInto('traffic_minutes')
          .values(values)
          .onConflict((c) =>
            c.columns(['scope', 'name', 'start_ms']).doUpdateSet((eb) => ({
              requests: eb.ref('excluded.requests'),
              errors: eb.ref('excluded.errors'),
              p50_ms: eb.ref('excluded.p50_ms'),
              p95_ms: eb.ref('excluded.p95_ms'),
              p99_ms: eb.ref('excluded.p99_ms'),
            })),
          )
          .execute();
      }
    });
  }

  async traffic(scope: 'pool' | 'route', name: string, fromMs: number, toMs: number): Promise<TrafficRow[]> {
    const rows = await this.#db
      .selectFrom('traffic_minutes')
      .selectAll()
      .where('scope', '=', scope)
      .where('name', '=', name)
      .where('start_ms', '>=', fromMs)
      .where('start_ms', '<', toMs)
      .orderBy('start_ms')
      .execute();
    return rows.map((row) => ({
      scope: row.scope as 'pool' | 'route',
      name: row.name,
      startMs: Number(row.start_ms),
      requests: Number(row.requests),
      errors: Number(row.errors),
      p50Ms: row.p50_ms,
      p95Ms: row.p95_ms,
      p99Ms: row.p99_ms,
    }));
  }

  async pruneTrafficBefore(atMs: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('traffic_minutes')
      .where('start_ms', '<', atMs)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
