import type { Kysely, Migration } from 'kysely';

// The time of a heartbeat's last call lived only in memory, so a restart moved its deadline: a daily job
// restarted daily was never reported down. One row per heartbeat monitor, written on each call (rare).
export const heartbeatCalls: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('heartbeat_calls')
      .addColumn('monitor_id', 'text', (c) => c.primaryKey())
      .addColumn('last_call_ms', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('heartbeat_calls').execute();
  },
};
