import type { Kysely, Migration } from 'kysely';

// Portable like 0001: epoch-ms bigints, 0/1 integers, JSON as text, so the same DDL runs on PostgreSQL.
export const alerting: Migration = {
  async up(db: Kysely<unknown>) {
    // `seq` orders entries enqueued in the same millisecond (a group's firing before its resolved) on every
    // engine; SQLite's rowid would do it here but PostgreSQL has none.
    await db.schema
      .createTable('alert_outbox')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('notifier', 'text', (c) => c.notNull())
      .addColumn('group_key', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .addColumn('next_attempt_ms', 'bigint', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('finished_ms', 'bigint')
      .execute();
    // The dispatcher's poll: pending entries by due time.
    await db.schema
      .createIndex('alert_outbox_state_due')
      .on('alert_outbox')
      .columns(['state', 'next_attempt_ms'])
      .execute();
    // "Is an older entry of this group still pending?", asked for every due candidate.
    await db.schema
      .createIndex('alert_outbox_group')
      .on('alert_outbox')
      .columns(['notifier', 'group_key', 'state', 'created_ms', 'seq'])
      .execute();

    await db.schema
      .createTable('alert_notification_log')
      .addColumn('receiver', 'text', (c) => c.notNull())
      .addColumn('group_key', 'text', (c) => c.notNull())
      .addColumn('firing', 'text', (c) => c.notNull())
      .addColumn('resolved', 'text', (c) => c.notNull())
      .addColumn('at_ms', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('alert_notification_log_pk', ['receiver', 'group_key'])
      .execute();

    await db.schema
      .createTable('alert_silences')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('matchers', 'text', (c) => c.notNull())
      .addColumn('starts_ms', 'bigint', (c) => c.notNull())
      .addColumn('ends_ms', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('comment', 'text', (c) => c.notNull())
      .addColumn('updated_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('alert_silences_ends').on('alert_silences').column('ends_ms').execute();

    await db.schema
      .createTable('alert_acks')
      .addColumn('fingerprint', 'text', (c) => c.primaryKey())
      .addColumn('episode_start_ms', 'bigint', (c) => c.notNull())
      .addColumn('acked_by', 'text', (c) => c.notNull())
      .addColumn('at_ms', 'bigint', (c) => c.notNull())
      .addColumn('labels', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('alert_acks').execute();
    await db.schema.dropTable('alert_silences').execute();
    await db.schema.dropTable('alert_notification_log').execute();
    await db.schema.dropTable('alert_outbox').execute();
  },
};
