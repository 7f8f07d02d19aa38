import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStatusStore, sampleIncident } from '../../status/status-store.contract.ts';
import { openSqlite } from './open.ts';
import { SqliteStatusStore } from './sqlite-status-store.ts';

let dir: string;
let fileCount = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-status-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeStatusStore('SQLite file', async () => {
  const { db, close } = await openSqlite(join(dir, `contract-${++fileCount}.db`));
  return { store: new SqliteStatusStore(db), close };
});

describe('SqliteStatusStore', () => {
  it('keeps incidents across a reopen', async () => {
    const path = join(dir, 'reopen.db');
    const first = await openSqlite(path);
    await new SqliteStatusStore(first.db).putIncident(sampleIncident('i1'));
    await first.close();
    const second = await openSqlite(path);
    expect(await new SqliteStatusStore(second.db).incidents()).toStrictEqual([sampleIncident('i1')]);
    await second.close();
  });
});
