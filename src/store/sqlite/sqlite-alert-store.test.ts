import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFiring, sampleResolved } from '../../../test/support/sample-notification.ts';
import { describeAlertStore } from '../../alerting/alert-store.contract.ts';
import { sql, type Kysely } from 'kysely';
import { alertLogDetails } from '../migrations/0006-alert-log-details.ts';
import { openSqlite } from './open.ts';
import { SqliteAlertStore } from './sqlite-alert-store.ts';

let dir: string;
let fileCount = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-alerts-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeAlertStore('SQLite file', async () => {
  const { db, close } = await openSqlite(join(dir, `contract-${++fileCount}.db`));
  return { store: new SqliteAlertStore(db), close };
});

describe('SqliteAlertStore', () => {
  it('keeps the outbox, its order and its state across a reopen', async () => {
    const path = join(dir, 'reopen.db');
    const first = await openSqlite(path);
    const firing = sampleFiring({ id: 'n-firing' });
    const resolved = sampleResolved({ id: 'n-resolved', createdAtMs: firing.createdAtMs });
    await new SqliteAlertStore(first.db).enqueue([firing, resolved]);
    await first.close();

    const second = await openSqlite(path);
    const store = new SqliteAlertStore(second.db);
    expect((await store.dueEntries(firing.createdAtMs, 10)).map((e) => e.id)).toEqual(['n-firing']);
    await store.markDelivered('n-firing', firing.createdAtMs + 1);
    const [next] = await store.dueEntries(firing.createdAtMs + 1, 10);
    expect(next?.notification).toStrictEqual(resolved);
    await second.close();
  });

  it('reads a notification log row written before migration 0006 as showing no alerts and muting none', async () => {
    const { db, close } = await openSqlite(join(dir, 'before-0006.db'));
    // The table as 0004 made it.
    await sql`ALTER TABLE alert_notification_log DROP COLUMN firing_alerts`.execute(db);
    await sql`ALTER TABLE alert_notification_log DROP COLUMN muted`.execute(db);
    await sql`INSERT INTO alert_notification_log (receiver, group_key, firing, resolved, at_ms)
      VALUES ('oncall', 'g1', '["aaaa@1"]', '[]', 5)`.execute(db);
    await alertLogDetails.up(db as Kysely<unknown>);
    expect(await new SqliteAlertStore(db).allNotificationLogs()).toStrictEqual([
      {
        receiver: 'oncall',
        groupKey: 'g1',
        firingFingerprints: ['aaaa@1'],
        resolvedFingerprints: [],
        firingAlerts: [],
        mutedFingerprints: [],
        atMs: 5,
      },
    ]);
    await close();
  });
});
