import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestSchemaVersion, migrateToLatest, schemaVersion } from '../migrations/index.ts';
import type { Schema } from '../schema.ts';
import { openSqlite } from './open.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-open-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function pragma(db: Kysely<Schema>, name: string): Promise<unknown> {
  const { rows } = await sql<Record<string, unknown>>`PRAGMA ${sql.raw(name)}`.execute(db);
  return Object.values(rows[0] ?? {})[0];
}

describe('openSqlite', () => {
  it('creates missing directories and the file', async () => {
    const path = join(dir, 'a', 'b', 'bulwark.db');
    const { close } = await openSqlite(path);
    await close();
    expect(existsSync(path)).toBe(true);
  });

  it('keeps what it creates private to its owner: the directory, the database and its WAL', async () => {
    const path = join(dir, 'private', 'bulwark.db');
    const { db, close } = await openSqlite(path);
    await sql`CREATE TABLE IF NOT EXISTS t (x)`.execute(db);
    expect(statSync(join(dir, 'private')).mode & 0o777).toBe(0o700);
    for (const file of [path, `${path}-wal`]) expect(statSync(file).mode & 0o077).toBe(0);
    await close();
  });

  it('applies the pragmas', async () => {
    const { db, close } = await openSqlite(join(dir, 'pragmas.db'));
    expect(await pragma(db, 'journal_mode')).toBe('wal');
    expect(await pragma(db, 'synchronous')).toBe(1); // NORMAL
    expect(await pragma(db, 'busy_timeout')).toBe(5000);
    expect(await pragma(db, 'foreign_keys')).toBe(1);
    await close();
  });

  it('records the schema version and migrates only once', async () => {
    const path = join(dir, 'migrate.db');
    const first = await openSqlite(path);
    expect(await schemaVersion(first.db as Kysely<unknown>)).toBe(latestSchemaVersion);
    await first.close();

    const second = await openSqlite(path);
    expect(await migrateToLatest(second.db as Kysely<unknown>)).toEqual([]);
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(
      second.db,
    );
    expect(rows.map((r) => r.name)).toEqual([
      '0001-monitor-results',
      '0002-rollups',
      '0003-traffic',
      '0004-alerting',
      '0005-status',
      '0006-alert-log-details',
      '0007-heartbeat-calls',
      '0008-restart-memory',
    ]);
    expect(rows.at(-1)?.name).toBe(latestSchemaVersion);
    await second.close();
  });

  it('creates the tables and the results index', async () => {
    const { db, close } = await openSqlite(join(dir, 'tables.db'));
    const { rows } = await sql<{ type: string; name: string }>`
      SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%' ORDER BY name
    `.execute(db);
    expect(rows).toEqual([
      { type: 'table', name: 'alert_acks' },
      { type: 'table', name: 'alert_notification_log' },
      { type: 'table', name: 'alert_outbox' },
      { type: 'index', name: 'alert_outbox_group' },
      { type: 'index', name: 'alert_outbox_state_due' },
      { type: 'table', name: 'alert_silences' },
      { type: 'index', name: 'alert_silences_ends' },
      { type: 'table', name: 'heartbeat_calls' },
      { type: 'table', name: 'monitor_results' },
      { type: 'index', name: 'monitor_results_monitor_at' },
      { type: 'table', name: 'monitor_rollups' },
      { type: 'index', name: 'monitor_rollups_resolution_start' },
      { type: 'table', name: 'monitor_states' },
      { type: 'table', name: 'runtime_intervals' },
      { type: 'table', name: 'status_documents' },
      { type: 'table', name: 'traffic_minutes' },
      { type: 'index', name: 'traffic_minutes_start' },
    ]);
    await close();
  });
});
