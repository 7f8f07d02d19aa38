import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MonitorStateRow, ResultsStore, StoredResult } from './results-store.ts';

const t0 = 1_700_000_000_000;

function result(monitorId: string, atMs: number, overrides: Partial<StoredResult> = {}): StoredResult {
  return {
    monitorId,
    probe: 'local',
    atMs,
    state: 'up',
    ok: true,
    responseTimeMs: 12.5,
    status: 200,
    ...overrides,
  };
}

function stateRow(monitorId: string, overrides: Partial<MonitorStateRow> = {}): MonitorStateRow {
  return {
    monitorId,
    state: 'up',
    sinceMs: t0,
    updatedMs: t0 + 1000,
    consecutiveFailures: 0,
    consecutiveSuccesses: 3,
    paused: false,
    ...overrides,
  };
}

/** Every ResultsStore implementation runs this suite; `open` must return an empty store. */
export function describeResultsStore(name: string, open: () => Promise<ResultsStore>): void {
  describe(`ResultsStore contract: ${name}`, () => {
    let store: ResultsStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('append and results', () => {
      it('round-trips every field, leaving absent optionals absent', async () => {
        const full = result('api', t0, {
          probe: 'eu-west',
          state: 'down',
          ok: false,
          status: 503,
          message: 'HTTP 503',
          certDaysLeft: 6,
        });
        const bare: StoredResult = {
          monitorId: 'api',
          probe: 'local',
          atMs: t0 + 1,
          state: 'up',
          ok: true,
          responseTimeMs: 0.25,
        };
        await store.append([full, bare]);
        const stored = await store.results('api', t0, t0 + 2);
        expect(stored).toStrictEqual([full, bare]);
      });

      it('returns the half-open window [fromMs, toMs) of one monitor, oldest first', async () => {
        await store.append([
          result('api', t0 + 30),
          result('api', t0 + 10),
          result('db', t0 + 15),
          result('api', t0 + 20),
        ]);
        const stored = await store.results('api', t0 + 10, t0 + 30);
        expect(stored.map((r) => r.atMs)).toEqual([t0 + 10, t0 + 20]);
      });

      it('keeps the oldest `limit` results', async () => {
        await store.append([1, 2, 3, 4, 5].map((i) => result('api', t0 + i)));
        const stored = await store.results('api', t0, t0 + 10, 2);
        expect(stored.map((r) => r.atMs)).toEqual([t0 + 1, t0 + 2]);
      });

      it('returns nothing for an unknown monitor or an empty window', async () => {
        await store.append([result('api', t0)]);
        expect(await store.results('other', t0, t0 + 10)).toEqual([]);
        expect(await store.results('api', t0 + 1, t0 + 10)).toEqual([]);
      });

      it('accepts an empty batch', async () => {
        await store.append([]);
        expect(await store.results('api', 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
      });

      it('stores batches larger than one statement can carry', async () => {
        const batch = Array.from({ length: 5_321 }, (_, i) => result('api', t0 + i, { probe: `p${i % 3}` }));
        await store.append(batch);
        const stored = await store.results('api', t0, t0 + batch.length);
        expect(stored).toHaveLength(batch.length);
        expect(stored.at(-1)).toStrictEqual(batch.at(-1));
      });

      it('stores all of a batch or none of it', async () => {
        const batch = Array.from({ length: 2_000 }, (_, i) => result('api', t0 + i));
        // A missing required field fails one row deep inside the batch.
        batch[1_500] = { ...result('api', t0 + 1_500), state: null as unknown as string };
        await expect(store.append(batch)).rejects.toThrow();
        expect(await store.results('api', t0, t0 + batch.length)).toEqual([]);
      });
    });

    describe('lastResult', () => {
      it('returns the newest result of the monitor before beforeMs, or nothing', async () => {
        await store.append([
          result('api', t0, { state: 'down', ok: false }),
          result('api', t0 + 10, { state: 'down', ok: false, message: 'HTTP 503' }),
          result('api', t0 + 20),
          result('db', t0 + 15),
        ]);
        expect(await store.lastResult('api', t0 + 20)).toStrictEqual(
          result('api', t0 + 10, { state: 'down', ok: false, message: 'HTTP 503' }),
        );
        expect(await store.lastResult('api', t0)).toBeUndefined();
        expect(await store.lastResult('web', t0 + 100)).toBeUndefined();
      });
    });

    describe('lastSamples', () => {
      it('returns the newest `count` results of the monitor before beforeMs as samples, oldest first', async () => {
        await store.append([
          result('api', t0 + 30),
          result('api', t0 + 10, { state: 'down', ok: false, message: 'HTTP 503' }),
          result('db', t0 + 25),
          result('api', t0 + 20, { state: 'degraded' }),
          result('api', t0),
        ]);
        const sample = (atMs: number, state: string, ok: boolean) => ({
          monitorId: 'api',
          atMs,
          state,
          ok,
          responseTimeMs: 12.5,
        });
        expect(await store.lastSamples('api', t0 + 30, 2)).toStrictEqual([
          sample(t0 + 10, 'down', false),
          sample(t0 + 20, 'degraded', true),
        ]);
        expect(await store.lastSamples('api', t0 + 100, 10)).toHaveLength(4);
        expect(await store.lastSamples('api', t0, 10)).toEqual([]);
      });
    });

    describe('samplesOf', () => {
      it('reads several monitors at once: what results gives each, reduced to samples', async () => {
        await store.append([
          result('api', t0 + 20, { probe: 'eu-west', state: 'down', ok: false, message: 'HTTP 503' }),
          result('db', t0 + 15, { responseTimeMs: 7 }),
          result('api', t0 + 20, { probe: 'eu-central', state: 'degraded' }),
          result('api', t0 + 10),
          result('web', t0 + 15),
          result('api', t0 + 30),
          result('db', t0 + 5),
        ]);
        const samples = await store.samplesOf(['api', 'db', 'gone'], t0 + 10, t0 + 30);
        for (const id of ['api', 'db', 'gone']) {
          const expected = (await store.results(id, t0 + 10, t0 + 30)).map((r) => ({
            monitorId: r.monitorId,
            atMs: r.atMs,
            state: r.state,
            ok: r.ok,
            responseTimeMs: r.responseTimeMs,
          }));
          expect(samples.filter((r) => r.monitorId === id)).toStrictEqual(expected);
        }
        expect(samples).toHaveLength(4);
      });

      it('reads thousands of monitors at once', async () => {
        const ids = Array.from({ length: 2_345 }, (_, i) => `monitor-${i}`);
        await store.append(ids.map((id) => result(id, t0)));
        const samples = await store.samplesOf(ids, t0, t0 + 1);
        expect(new Set(samples.map((r) => r.monitorId))).toEqual(new Set(ids));
        expect(await store.samplesOf([], t0, t0 + 1)).toEqual([]);
      });
    });

    describe('pruneResultsBefore', () => {
      it('deletes results older than atMs across monitors and counts them', async () => {
        await store.append([
          result('api', t0),
          result('db', t0 + 5),
          result('api', t0 + 10),
          result('db', t0 + 20),
        ]);
        expect(await store.pruneResultsBefore(t0 + 10)).toBe(2);
        expect((await store.results('api', 0, t0 + 100)).map((r) => r.atMs)).toEqual([t0 + 10]);
        expect((await store.results('db', 0, t0 + 100)).map((r) => r.atMs)).toEqual([t0 + 20]);
        expect(await store.pruneResultsBefore(t0)).toBe(0);
      });
    });

    describe('monitor states', () => {
      it('loads nothing from an empty store', async () => {
        expect(await store.loadStates()).toEqual([]);
      });

      it('saves, replaces and loads states', async () => {
        await store.saveStates([stateRow('api'), stateRow('db', { paused: true, flapping: false })]);
        const replaced = stateRow('api', {
          state: 'down',
          sinceMs: t0 + 5,
          consecutiveFailures: 4,
          consecutiveSuccesses: 0,
          flapping: true,
        });
        await store.saveStates([replaced, stateRow('web')]);
        const loaded = await store.loadStates();
        // A row saved without the flapping flag (as before it was kept) reads back without it.
        expect([...loaded].sort((a, b) => a.monitorId.localeCompare(b.monitorId))).toStrictEqual([
          replaced,
          stateRow('db', { paused: true, flapping: false }),
          stateRow('web'),
        ]);
      });

      it('saves many states at once', async () => {
        const states = Array.from({ length: 1_234 }, (_, i) =>
          stateRow(`m${i}`, { consecutiveSuccesses: i }),
        );
        await store.saveStates(states);
        expect(await store.loadStates()).toHaveLength(states.length);
      });
    });

    describe('heartbeat calls', () => {
      it('loads nothing from an empty store', async () => {
        expect(await store.loadHeartbeatCalls()).toEqual([]);
      });

      it('keeps the last call of each heartbeat, the newest write replacing the one before', async () => {
        await store.saveHeartbeatCall({ monitorId: 'backup', lastCallMs: t0 });
        await store.saveHeartbeatCall({ monitorId: 'cron', lastCallMs: t0 + 5 });
        await store.saveHeartbeatCall({ monitorId: 'backup', lastCallMs: t0 + 86_400_000 });
        const loaded = await store.loadHeartbeatCalls();
        expect([...loaded].sort((a, b) => a.monitorId.localeCompare(b.monitorId))).toStrictEqual([
          { monitorId: 'backup', lastCallMs: t0 + 86_400_000 },
          { monitorId: 'cron', lastCallMs: t0 + 5 },
        ]);
      });
    });

    describe('runtime intervals', () => {
      it('starts intervals with distinct ids and records touches', async () => {
        const first = await store.startRuntime(t0);
        await store.touchRuntime(first, t0 + 60_000);
        const second = await store.startRuntime(t0 + 120_000);
        expect(second).not.toBe(first);
        await store.touchRuntime(second, t0 + 150_000);
        expect(await store.runtimes(t0, t0 + 200_000)).toStrictEqual([
          { startedMs: t0, lastAliveMs: t0 + 60_000 },
          { startedMs: t0 + 120_000, lastAliveMs: t0 + 150_000 },
        ]);
      });

      it('returns the intervals overlapping [fromMs, toMs)', async () => {
        const a = await store.startRuntime(t0);
        await store.touchRuntime(a, t0 + 100);
        const b = await store.startRuntime(t0 + 200);
        await store.touchRuntime(b, t0 + 300);
        const c = await store.startRuntime(t0 + 400);
        await store.touchRuntime(c, t0 + 500);
        expect(await store.runtimes(t0 + 150, t0 + 400)).toStrictEqual([
          { startedMs: t0 + 200, lastAliveMs: t0 + 300 },
        ]);
        expect(await store.runtimes(t0 + 100, t0 + 401)).toHaveLength(3);
        expect(await store.runtimes(t0 + 501, t0 + 1000)).toEqual([]);
      });
    });
  });
}
