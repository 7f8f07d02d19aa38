import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeResultsStore } from '../../monitor/results-store.contract.ts';
import { SqliteResultsStore } from './sqlite-results-store.ts';

let dir: string;
let fileCount = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeResultsStore('SQLite file', () => SqliteResultsStore.open(join(dir, `contract-${++fileCount}.db`)));

describe('SqliteResultsStore', () => {
  it('keeps results, states, heartbeat calls and runtimes across a reopen', async () => {
    const path = join(dir, 'nested', 'reopen.db');
    const first = await SqliteResultsStore.open(path);
    await first.append([
      { monitorId: 'api', probe: 'local', atMs: 10, state: 'up', ok: true, responseTimeMs: 3 },
    ]);
    await first.saveStates([
      {
        monitorId: 'api',
        state: 'up',
        sinceMs: 1,
        updatedMs: 10,
        consecutiveFailures: 0,
        consecutiveSuccesses: 1,
        paused: false,
      },
    ]);
    await first.saveHeartbeatCall({ monitorId: 'backup', lastCallMs: 7 });
    await first.startRuntime(1);
    await first.close();

    const second = await SqliteResultsStore.open(path);
    expect(await second.results('api', 0, 100)).toHaveLength(1);
    expect(await second.loadStates()).toHaveLength(1);
    expect(await second.runtimes(0, 100)).toHaveLength(1);
    expect(await second.loadHeartbeatCalls()).toEqual([{ monitorId: 'backup', lastCallMs: 7 }]);
    await second.close();
  });
});
