import type { Kysely, Migration } from 'kysely';

// What a monitor knew that a restart lost. A result's certificate days: a paused monitor's cert-expiry alert
// resolved after a restart. A state's flapping flag: its detector's history is rebuilt from the results, but
// the flag has hysteresis no bounded read of them can replay. Null: stored by a version that kept neither.
export const restartMemory: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('monitor_results').addColumn('cert_days_left', 'integer').execute();
    await db.schema.alterTable('monitor_states').addColumn('flapping', 'integer').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('monitor_states').dropColumn('flapping').execute();
    await db.schema.alterTable('monitor_results').dropColumn('cert_days_left').execute();
  },
};
