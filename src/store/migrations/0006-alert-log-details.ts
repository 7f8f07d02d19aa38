import type { Kysely, Migration } from 'kysely';

// The notification log kept only episodes: a resolution inferred after a restart could name no alert, and
// which told alerts were muted was lost. Defaults keep older rows readable (no details, nothing muted); one
// column per ALTER, as SQLite requires, and the same DDL runs on PostgreSQL.
export const alertLogDetails: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('alert_notification_log')
      .addColumn('firing_alerts', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();
    await db.schema
      .alterTable('alert_notification_log')
      .addColumn('muted', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('alert_notification_log').dropColumn('muted').execute();
    await db.schema.alterTable('alert_notification_log').dropColumn('firing_alerts').execute();
  },
};
