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
    const api = (await restoredMonitors(store, startMs + 3_600_000)).get('api');
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
    const api = (await restoredMonitors(store, startMs + 3_600_000)).get('api');
    expect([api?.state, api?.sinceMs, api?.pausedSinceMs]).toEqual(['down', windowMs - 1_000, undefined]);
  });

  it("gives a paused https monitor back its certificate's days left, which its cert-expiry alert needs", async () => {
    const pausedAtMs = startMs + 60_000;
    const passed = { probe: 'local', state: 'up', ok: true, responseTimeMs: 3, status: 200 };
    await store.append([{ monitorId: 'site', atMs: pausedAtMs - 1_000, ...passed, certDaysLeft: 5 }]);
    await store.saveStates([
      { monitorId: 'site', state: 'up', sinceMs: startMs, updatedMs: pausedAtMs, ...row, paused: true },
    ]);
    const site = (await restoredMonitors(store, pausedAtMs + 3_600_000)).get('site');
    expect([site?.pausedSinceMs, site?.lastResult?.certDaysLeft]).toEqual([pausedAtMs, 5]);
  });

  // Checked every 5 s, 40 s down and 40 s up: its last 21 results hold two outage edges, its last 10 minutes 14.
  const slowChurn = (untilMs: number): StoredResult[] =>
    Array.from({ length: 120 }, (_, i) => {
      const isOk = Math.floor(i / 8) % 2 === 1;
      const outcome = isOk ? { ok: true, status: 200 } : { ok: false, status: 503 };
      return {
        monitorId: 'api',
        probe: 'local',
        atMs: untilMs - (120 - i) * 5_000,
        responseTimeMs: 3,
        state: isOk ? 'up' : 'down',
        ...outcome,
      };
    });

  it('gives a monitor back its flapping flag, with the outages of its last 10 minutes behind it', async () => {
    const nowMs = startMs + 3_600_000;
    await store.append(slowChurn(nowMs - 1_000));
    const saved = {
      monitorId: 'api',
      state: 'down',
      sinceMs: nowMs - 6_000,
      updatedMs: nowMs - 6_000,
      ...row,
    };
    await store.saveStates([{ ...saved, flapping: true }]);
    const detector = (await restoredMonitors(store, nowMs)).get('api')?.flapDetector;
    expect([detector?.isFlapping, detector?.percentStateChange]).toEqual([true, expect.any(Number)]);
    expect(detector?.percentStateChange).toBeLessThan(25);
    // Its last outage was 41 s ago: steady results end the flapping only 2 minutes after it.
    expect(detector?.record(true, nowMs)).toBe(true);

    // Saved by a version that kept no flag: the replay of all 10 minutes says it (the last 21 results would not).
    await store.saveStates([saved]);
    expect((await restoredMonitors(store, nowMs)).get('api')?.flapDetector?.isFlapping).toBe(true);
  });
});
