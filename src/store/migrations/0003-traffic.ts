import type { Kysely, Migration } from 'kysely';

export const traffic: Migration = {
  async up(db: Kysely<unknown>) {
    // Live traffic per minute, per pool and per route, read from the gateway's counters by the control plane.
    await db.schema
      .createTable('traffic_minutes')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('start_ms', 'bigint', (c) => c.notNull())
      .addColumn('requests', 'bigint', (c) => c.notNull())
      .addColumn('errors', 'bigint', (c) => c.notNull())
      .addColumn('p50_ms', 'double precision')
      .addColumn('p95_ms', 'double precision')
      .addColumn('p99_ms', 'double precision')
      .addPrimaryKeyConstraint('traffic_minutes_pk', ['scope', 'name', 'start_ms'])
      .execute();
    await db.schema.createIndex('traffic_minutes_start').on('traffic_minutes').column('start_ms').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('traffic_minutes').execute();
  },
};
