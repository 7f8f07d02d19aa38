import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, SqliteStatusStore, type SqliteHandle } from '../store/index.ts';
import { StatusBook } from './status-book.ts';
import { sampleIncident, sampleMaintenance } from './status-store.contract.ts';

const t0 = 1_700_000_000_000;

describe('StatusBook: when the public page last changed, and what a restart loads', () => {
  let dir: string;
  let handle: SqliteHandle;
  const load = () => StatusBook.load(new SqliteStatusStore(handle.db));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-status-book-'));
    handle = await openSqlite(join(dir, 'bulwark.db'));
  });
  afterEach(async () => {
    await handle.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('rises with every write the page shows, and on a deletion, though the documents left are older', async () => {
    const book = await load();
    await book.putIncident(sampleIncident('a', { updatedAtMs: t0 + 10 }));
    await book.putMaintenance(sampleMaintenance('m', { updatedAtMs: t0 + 20 }));
    expect(book.changedAtMs()).toBe(t0 + 20);
    await book.deleteMaintenance('m', t0 + 30);
    expect(book.changedAtMs()).toBe(t0 + 30);
    await book.deleteIncident('a', t0 + 40);
    expect(book.changedAtMs()).toBe(t0 + 40);
  });

  it('never falls, even for a write dated earlier (a transition dated when it was due)', async () => {
    const book = await load();
    await book.putMaintenance(sampleMaintenance('m', { updatedAtMs: t0 + 50 }));
    await book.putMaintenance(sampleMaintenance('m', { updatedAtMs: t0 + 5 }));
    expect(book.changedAtMs()).toBe(t0 + 50);
  });

  it('ignores drafts, which are on no public surface', async () => {
    const book = await load();
    await book.putIncident(sampleIncident('public', { updatedAtMs: t0 + 10 }));
    await book.putIncident(sampleIncident('draft', { isDraft: true, updatedAtMs: t0 + 99 }));
    await book.deleteIncident('draft', t0 + 100);
    expect(book.changedAtMs()).toBe(t0 + 10);
  });

  it('starts from the newest public document after a restart', async () => {
    const book = await load();
    await book.putIncident(sampleIncident('a', { updatedAtMs: t0 + 10 }));
    await book.putIncident(sampleIncident('draft', { isDraft: true, updatedAtMs: t0 + 99 }));
    await book.putRecord({
      id: 'api',
      createdAtMs: t0,
      status: 'operational',
      updatedAtMs: t0 + 30,
      override: null,
    });
    expect((await load()).changedAtMs()).toBe(t0 + 30);
  });

  it('remembers a deletion across a restart: the removed document cannot date the change any more', async () => {
    const book = await load();
    await book.putIncident(sampleIncident('a', { updatedAtMs: t0 + 10 }));
    await book.putIncident(sampleIncident('b', { updatedAtMs: t0 + 20 }));
    await book.deleteIncident('b', t0 + 60);
    expect((await load()).changedAtMs()).toBe(t0 + 60);
  });

  it("finishes a cancelled occurrence's removal that a stop interrupted after the skip was recorded", async () => {
    const store = new SqliteStatusStore(handle.db);
    const occurrence = sampleMaintenance('weekly-1', { seriesId: 'weekly' });
    await store.putMaintenance(occurrence);
    await store.putMaintenance(
      sampleMaintenance('weekly-2', { seriesId: 'weekly', scheduledForMs: t0 + 9e8 }),
    );
    await store.putSkippedOccurrence({
      seriesId: 'weekly',
      startMs: occurrence.scheduledForMs,
      skippedAtMs: t0,
    });

    const book = await load();
    expect(book.maintenances().map((m) => m.id)).toEqual(['weekly-2']);
    expect((await store.maintenances()).map((m) => m.id)).toEqual(['weekly-2']);
  });
});
