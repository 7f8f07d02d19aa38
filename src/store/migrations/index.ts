import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { StoreError } from '../store-error.ts';
import { monitorResults } from './0001-monitor-results.ts';
import { rollups } from './0002-rollups.ts';
import { traffic } from './0003-traffic.ts';
import { alerting } from './0004-alerting.ts';
import { status } from './0005-status.ts';
import { alertLogDetails } from './0006-alert-log-details.ts';
import { heartbeatCalls } from './0007-heartbeat-calls.ts';
import { restartMemory } from './0008-restart-memory.ts';

// Applied in name order and recorded by name in kysely_migration; append, never rename or edit a shipped one.
const migrations: Readonly<Record<string, Migration>> = {
  '0001-monitor-results': monitorResults,
  '0002-rollups': rollups,
  '0003-traffic': traffic,
  '0004-alerting': alerting,
  '0005-status': status,
  '0006-alert-log-details': alertLogDetails,
  '0007-heartbeat-calls': heartbeatCalls,
  '0008-restart-memory': restartMemory,
};

const staticProvider: MigrationProvider = { getMigrations: () => Promise.resolve({ ...migrations }) };

/** The name of the newest migration in code: the schema version this build expects. */
export const latestSchemaVersion = Object.keys(migrations).sort().at(-1) ?? '';

/** Brings the schema up to date; returns the names of the migrations it applied (none when current). */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const { error, results = [] } = await new Migrator({ db, provider: staticProvider }).migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new StoreError('STORE_MIGRATION_FAILED', `migration ${failed} failed`, { cause: error });
  }
  return results.map((r) => r.migrationName);
}

/** The newest migration recorded in the database, or undefined on a fresh one. */
export async function schemaVersion(db: Kysely<unknown>): Promise<string | undefined> {
  const applied = await new Migrator({ db, provider: staticProvider }).getMigrations();
  return applied.filter((m) => m.executedAt !== undefined).at(-1)?.name;
}
