import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRollupStore } from '../../monitor/rollup-store.contract.ts';
import { openSqlite } from './open.ts';
import { SqliteResultsStore } from './sqlite-results-store.ts';
import { SqliteRollupStore } from './sqlite-rollup-store.ts';

let dir: string;
let fileCount = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-rollups-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeRollupStore('SQLite file', async () => {
  const { db, close } = await openSqlite(join(dir, `contract-${++fileCount}.db`));
  return { store: new SqliteRollupStore(db), close };
});

describe('SqliteRollupStore', () => {
  it('shares one handle with the results store and keeps its rows across a reopen', async () => {
    const path = join(dir, 'shared.db');
    const first = await openSqlite(path);
    const results = new SqliteResultsStore(first.db, first.close);
    const rollups = new SqliteRollupStore(first.db);
    await results.append([
      { monitorId: 'api', probe: 'local', atMs: 10, state: 'up', ok: true, responseTimeMs: 3 },
    ]);
    const sketch = Uint8Array.from([1, 0, 1, 200, 1]);
    await rollups.upsertRollups([
      {
        monitorId: 'api',
        resolution: 'minute',
        startMs: 0,
        count: 1,
        failures: 0,
        upMs: 50,
        degradedMs: 0,
        downMs: 0,
        otherMs: 0,
        noDataMs: 59_950,
        sketch,
      },
    ]);
    await results.close();

    const second = await openSqlite(path);
    const [row] = await new SqliteRollupStore(second.db).rollups('api', 'minute', 0, 1);
    expect(row?.sketch).toBeInstanceOf(Uint8Array);
    expect([...row!.sketch]).toEqual([...sketch]);
    expect(await new SqliteResultsStore(second.db, second.close).results('api', 0, 100)).toHaveLength(1);
    await second.close();
  });
});
