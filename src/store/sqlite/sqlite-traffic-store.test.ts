import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from './open.ts';
import { SqliteTrafficStore } from './sqlite-traffic-store.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function store(): Promise<SqliteTrafficStore> {
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-traffic-'));
  const { db, close } = await openSqlite(join(dir, 'bulwark.db'));
  cleanups.push(async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  });
  return new SqliteTrafficStore(db);
}

const row = (startMs: number, requests: number) => ({
  scope: 'pool' as const,
  name: 'api',
  startMs,
  requests,
  errors: 1,
  p50Ms: 3.5,
  p95Ms: null,
  p99Ms: 40,
});

describe('SqliteTrafficStore', () => {
  it('stores minutes, replaces a minute written twice, reads a range in order and prunes by age', async () => {
    const traffic = await store();
    await traffic.appendTraffic([
      row(120_000, 5),
      row(60_000, 3),
      { ...row(60_000, 9), scope: 'route', name: '0' },
    ]);
    await traffic.appendTraffic([row(120_000, 7)]);
    expect(await traffic.traffic('pool', 'api', 0, 180_000)).toEqual([row(60_000, 3), row(120_000, 7)]);
    expect(await traffic.traffic('route', '0', 0, 180_000)).toHaveLength(1);
    expect(await traffic.pruneTrafficBefore(100_000)).toBe(2);
    expect(await traffic.traffic('pool', 'api', 0, 180_000)).toEqual([row(120_000, 7)]);
  });
});
