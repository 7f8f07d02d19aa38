import type { Kysely, Migration } from 'kysely';

// Portable types: bigint/double precision take INTEGER/REAL affinity in SQLite and mean the same in PostgreSQL.
export const monitorResults: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('monitor_results')
      .addColumn('monitor_id', 'text', (c) => c.notNull())
      .addColumn('probe', 'text', (c) => c.notNull().defaultTo('local'))
      .addColumn('at_ms', 'bigint', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('ok', 'integer', (c) => c.notNull())
      .addColumn('response_time_ms', 'double precision', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('message', 'text')
      .execute();
    await db.schema
      .createIndex('monitor_results_monitor_at')
      .on('monitor_results')
      .columns(['monitor_id', 'at_ms'])
      .execute();

    await db.schema
      .createTable('monitor_states')
      .addColumn('monitor_id', 'text', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('since_ms', 'bigint', (c) => c.notNull())
      .addColumn('updated_ms', 'bigint', (c) => c.notNull())
      .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
      .addColumn('consecutive_successes', 'integer', (c) => c.notNull())
      .addColumn('paused', 'integer', (c) => c.notNull())
      .execute();

    // Exactly `integer primary key` makes SQLite alias the rowid (auto-assigned); PostgreSQL will want an identity column.
    await db.schema
      .createTable('runtime_intervals')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('started_ms', 'bigint', (c) => c.notNull())
      .addColumn('last_alive_ms', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('runtime_intervals').execute();
    await db.schema.dropTable('monitor_states').execute();
    await db.schema.dropTable('monitor_results').execute();
  },
};
