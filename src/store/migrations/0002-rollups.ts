import type { Kysely, Migration } from 'kysely';

export const rollups: Migration = {
  async up(db: Kysely<unknown>) {
    // `bytea` is PostgreSQL's binary type; in SQLite the name gives NUMERIC affinity, which keeps a blob as is.
    await db.schema
      .createTable('monitor_rollups')
      .addColumn('monitor_id', 'text', (c) => c.notNull())
      .addColumn('resolution', 'text', (c) => c.notNull())
      .addColumn('start_ms', 'bigint', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('up_ms', 'bigint', (c) => c.notNull())
      .addColumn('degraded_ms', 'bigint', (c) => c.notNull())
      .addColumn('down_ms', 'bigint', (c) => c.notNull())
      .addColumn('other_ms', 'bigint', (c) => c.notNull())
      .addColumn('no_data_ms', 'bigint', (c) => c.notNull())
      .addColumn('sketch', 'bytea', (c) => c.notNull())
      .addPrimaryKeyConstraint('monitor_rollups_pk', ['monitor_id', 'resolution', 'start_ms'])
      .execute();
    // Pruning and the rollup job's watermark go by resolution and time across all monitors.
    await db.schema
      .createIndex('monitor_rollups_resolution_start')
      .on('monitor_rollups')
      .columns(['resolution', 'start_ms'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('monitor_rollups').execute();
  },
};
