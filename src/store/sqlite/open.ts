import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Kysely } from 'kysely';
import { migrateToLatest } from '../migrations/index.ts';
import type { Schema } from '../schema.ts';
import { StoreError } from '../store-error.ts';
import { nodeSqliteDialect } from './node-sqlite-dialect.ts';

export interface SqliteHandle {
  readonly db: Kysely<Schema>;
  readonly close: () => Promise<void>;
}

interface Shared {
  readonly opening: Promise<Kysely<Schema>>;
  refs: number;
}

// One connection per file per process. node:sqlite waits for a lock synchronously (busy_timeout), so a second
// connection of this process waiting on the first's open transaction would block the very event loop the first
// needs to commit: a 5 s stall, then SQLITE_BUSY. Through one Kysely instance the stores' queries and
// transactions queue on its connection mutex instead.
const shared = new Map<string, Shared>();

/**
 * Opens (creating if needed) the database file, tunes it and migrates it to the latest schema. Monitoring,
 * alerting and the status page each open the same file; they share one connection, closed with the last handle.
 * Node 24 prints one ExperimentalWarning for node:sqlite; run with --disable-warning=ExperimentalWarning to hide it.
 */
export async function openSqlite(path: string): Promise<SqliteHandle> {
  if (path === ':memory:') {
    const db = await openConnection(path);
    return { db, close: () => db.destroy() };
  }
  const key = resolve(path);
  let entry = shared.get(key);
  if (!entry) {
    const opening = openConnection(path);
    const created: Shared = { opening, refs: 0 };
    entry = created;
    shared.set(key, created);
    opening.catch(() => {
      if (shared.get(key) === created) shared.delete(key);
    });
  }
  entry.refs++;
  const owner = entry;
  let db: Kysely<Schema>;
  try {
    db = await owner.opening;
  } catch (error) {
    owner.refs--;
    throw error;
  }
  let isClosed = false;
  return {
    db,
    close: async () => {
      if (isClosed) return;
      isClosed = true;
      if (--owner.refs > 0) return;
      if (shared.get(key) === owner) shared.delete(key);
      await db.destroy();
    },
  };
}

async function openConnection(path: string): Promise<Kysely<Schema>> {
  const inMemory = path === ':memory:';
  if (!inMemory) {
    // Subscriber addresses and tokens, notifier URLs and the outbox are in here: readable by its owner only.
    // SQLite gives the -wal and -shm files the database file's mode.
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, 'a', 0o600));
  }
  const database = new DatabaseSync(path);
  try {
    applyPragmas(database, inMemory);
    const db = new Kysely<Schema>({ dialect: nodeSqliteDialect(database) });
    await migrateToLatest(db as Kysely<unknown>);
    return db;
  } catch (error) {
    if (database.isOpen) database.close();
    throw error;
  }
}

function applyPragmas(database: DatabaseSync, inMemory: boolean): void {
  // WAL: readers never block the writer, and a commit appends to the log instead of rewriting pages.
  const mode = database.prepare('PRAGMA journal_mode = WAL').get()?.journal_mode;
  if (!inMemory && mode !== 'wal') {
    throw new StoreError(
      'STORE_WAL_UNAVAILABLE',
      `SQLite refused WAL mode (got ${String(mode)}); is the data dir on a network filesystem?`,
    );
  }
  // NORMAL under WAL fsyncs at checkpoints, not at every commit. A commit is in the OS page cache when it
  // returns, so it survives a process crash or SIGKILL; a power loss may roll back the last commits but
  // never corrupts the file. FULL would fsync every commit, for durability against power loss too.
  database.exec('PRAGMA synchronous = NORMAL');
  // Wait up to 5 s for another connection's lock (a backup, the sqlite3 shell) instead of failing at once.
  database.exec('PRAGMA busy_timeout = 5000');
  database.exec('PRAGMA foreign_keys = ON');
}
