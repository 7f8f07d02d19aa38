import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredResult } from '../monitor/results-store.ts';
import { SqliteResultsStore } from '../store/index.ts';
import { restoredMonitors } from './monitoring-restore.ts';

const startMs = Date.UTC(2026, 10, 22, 9);
const failed = { probe: 'local', ok: false, responseTimeMs: 3, status: 503 };
const row = { consecutiveFailures: 0, consecutiveSuccesses: 0, paused: false };

describe('restoredMonitors', () => {
  let dir: string;
  let store: SqliteResultsStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-restore-'));
    store = await SqliteResultsStore.open(join(dir, 'bulwark.db'));
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives a failing monitor back its last result: the words its alerts carry', async () => {
    await store.append([
      { monitorId: 'api', atMs: startMs, state: 'down', ...failed, message: 'got 502' },
      { monitorId: 'api', atMs: startMs + 1_000, state: 'down', ...failed, message: 'got 503' },
    ]);
    await store.saveStates([
      { monitorId: 'api', state: 'down', sinceMs: startMs, updatedMs: startMs, ...row },
    ]);
    const api = (await restoredMonitors(store)).get('api');
    expect([api?.state, api?.sinceMs, api?.lastResult?.message]).toEqual(['down', startMs, 'got 503']);
  });

  it('takes a monitor saved in maintenance by an older version at its last result before the window', async () => {
    const windowMs = startMs + 60_000;
    const inWindow: StoredResult = { monitorId: 'api', atMs: windowMs + 1, state: 'maintenance', ...failed };
    await store.append([
      { monitorId: 'api', atMs: windowMs - 1_000, state: 'down', ...failed, message: 'got 503' },
      inWindow,
    ]);
    // As the old version saved it: the state `maintenance`, since the window began.
    await store.saveStates([
      { monitorId: 'api', state: 'maintenance', sinceMs: windowMs, updatedMs: windowMs, ...row },
    ]);
    const api = (await restoredMonitors(store)).get('api');
    expect([api?.state, api?.sinceMs, api?.pausedSinceMs]).toEqual(['down', windowMs - 1_000, undefined]);
  });
});
