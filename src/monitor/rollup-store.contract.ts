import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RollupResolution, RollupStore, StoredRollup } from './rollup-store.ts';

const t0 = 1_700_000_000_000;
const minuteMs = 60_000;

function rollup(
  monitorId: string,
  resolution: RollupResolution,
  startMs: number,
  overrides: Partial<StoredRollup> = {},
): StoredRollup {
  return {
    monitorId,
    resolution,
    startMs,
    count: 6,
    failures: 1,
    upMs: 40_000,
    degradedMs: 5_000,
    downMs: 10_000,
    otherMs: 3_000,
    noDataMs: 2_000,
    sketch: Uint8Array.from([1, 0, 2, 120, 4, 3, 1]),
    ...overrides,
  };
}

/** Every RollupStore implementation runs this suite; `open` must return an empty store. */
export function describeRollupStore(
  name: string,
  open: () => Promise<{ readonly store: RollupStore; readonly close: () => Promise<void> }>,
): void {
  describe(`RollupStore contract: ${name}`, () => {
    let store: RollupStore;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ store, close } = await open());
    });
    afterEach(async () => {
      await close();
    });

    it('round-trips every field, the sketch byte for byte', async () => {
      const row = rollup('api', 'minute', t0);
      await store.upsertRollups([row]);
      const [stored] = await store.rollups('api', 'minute', t0, t0 + minuteMs);
      expect(stored).toEqual(row);
      expect([...stored!.sketch]).toEqual([...row.sketch]);
    });

    it('returns one monitor and resolution in [fromMs, toMs), oldest first', async () => {
      await store.upsertRollups([
        rollup('api', 'minute', t0 + 2 * minuteMs),
        rollup('api', 'minute', t0),
        rollup('api', 'hour', t0),
        rollup('db', 'minute', t0 + minuteMs),
        rollup('api', 'minute', t0 + minuteMs),
        rollup('api', 'minute', t0 + 3 * minuteMs),
      ]);
      const stored = await store.rollups('api', 'minute', t0, t0 + 3 * minuteMs);
      expect(stored.map((r) => r.startMs)).toEqual([t0, t0 + minuteMs, t0 + 2 * minuteMs]);
      expect(await store.rollups('api', 'day', t0, t0 + 3 * minuteMs)).toEqual([]);
      expect(await store.rollups('web', 'minute', t0, t0 + 3 * minuteMs)).toEqual([]);
    });

    it('reads several monitors at once: what rollups gives each, and their times alone', async () => {
      await store.upsertRollups([
        rollup('api', 'minute', t0 + 2 * minuteMs, { upMs: 1 }),
        rollup('db', 'minute', t0 + minuteMs, { downMs: 2 }),
        rollup('api', 'minute', t0),
        rollup('api', 'hour', t0),
        rollup('web', 'minute', t0 + minuteMs),
        rollup('db', 'minute', t0 + 3 * minuteMs),
        rollup('api', 'minute', t0 + minuteMs, { otherMs: 3 }),
      ]);
      const ids = ['api', 'db', 'gone'];
      const rows = await store.rollupsOf(ids, 'minute', t0, t0 + 3 * minuteMs);
      const times = await store.rollupTimesOf(ids, 'minute', t0, t0 + 3 * minuteMs);
      for (const id of ids) {
        const expected = await store.rollups(id, 'minute', t0, t0 + 3 * minuteMs);
        expect(rows.filter((r) => r.monitorId === id)).toEqual(expected);
        expect(times.filter((r) => r.monitorId === id)).toStrictEqual(
          expected.map(({ monitorId, resolution, startMs, upMs, degradedMs, downMs, otherMs }) => ({
            monitorId,
            resolution,
            startMs,
            upMs,
            degradedMs,
            downMs,
            otherMs,
          })),
        );
      }
      expect(rows).toHaveLength(4);
      expect(times).toHaveLength(4);
    });

    it('reads thousands of monitors at once', async () => {
      const ids = Array.from({ length: 2_345 }, (_, i) => `monitor-${i}`);
      await store.upsertRollups(ids.map((id) => rollup(id, 'hour', t0)));
      const read = [
        await store.rollupsOf(ids, 'hour', t0, t0 + 1),
        await store.rollupTimesOf(ids, 'hour', t0, t0 + 1),
      ];
      for (const rows of read) expect(new Set(rows.map((r) => r.monitorId))).toEqual(new Set(ids));
      expect(await store.rollupsOf([], 'hour', t0, t0 + 1)).toEqual([]);
    });

    it('replaces a row with the same key instead of adding one', async () => {
      await store.upsertRollups([rollup('api', 'hour', t0)]);
      const replaced = rollup('api', 'hour', t0, {
        count: 60,
        failures: 0,
        upMs: 3_600_000,
        degradedMs: 0,
        downMs: 0,
        otherMs: 0,
        noDataMs: 0,
        sketch: Uint8Array.from([1, 0, 0]),
      });
      await store.upsertRollups([replaced]);
      expect(await store.rollups('api', 'hour', 0, t0 + 3_600_000)).toEqual([replaced]);
    });

    it('stores batches larger than one statement can carry', async () => {
      const rows = Array.from({ length: 1_234 }, (_, i) => rollup('api', 'minute', t0 + i * minuteMs));
      await store.upsertRollups(rows);
      await store.upsertRollups(rows);
      expect(await store.rollups('api', 'minute', t0, t0 + rows.length * minuteMs)).toHaveLength(rows.length);
    });

    it('stores all of a batch or none of it', async () => {
      const rows = Array.from({ length: 1_000 }, (_, i) => rollup('api', 'minute', t0 + i * minuteMs));
      // A missing required field fails one row deep inside the batch.
      rows[700] = { ...rollup('api', 'minute', t0 + 700 * minuteMs), sketch: null as unknown as Uint8Array };
      await expect(store.upsertRollups(rows)).rejects.toThrow();
      expect(await store.latestRollupStart('minute')).toBeUndefined();
    });

    it('accepts an empty batch', async () => {
      await store.upsertRollups([]);
      expect(await store.latestRollupStart('minute')).toBeUndefined();
    });

    it('prunes one resolution before atMs across monitors and counts the rows', async () => {
      await store.upsertRollups([
        rollup('api', 'minute', t0),
        rollup('db', 'minute', t0 + minuteMs),
        rollup('api', 'minute', t0 + 2 * minuteMs),
        rollup('api', 'hour', t0),
      ]);
      expect(await store.pruneRollupsBefore('minute', t0 + 2 * minuteMs)).toBe(2);
      expect((await store.rollups('api', 'minute', 0, t0 + 10 * minuteMs)).map((r) => r.startMs)).toEqual([
        t0 + 2 * minuteMs,
      ]);
      expect(await store.rollups('db', 'minute', 0, t0 + 10 * minuteMs)).toEqual([]);
      expect(await store.rollups('api', 'hour', 0, t0 + 10 * minuteMs)).toHaveLength(1);
      expect(await store.pruneRollupsBefore('minute', t0)).toBe(0);
    });

    it('tells the newest start of a resolution across monitors', async () => {
      expect(await store.latestRollupStart('hour')).toBeUndefined();
      await store.upsertRollups([
        rollup('api', 'minute', t0 + minuteMs),
        rollup('db', 'minute', t0 + 5 * minuteMs),
        rollup('api', 'hour', t0 + 60 * minuteMs),
      ]);
      expect(await store.latestRollupStart('minute')).toBe(t0 + 5 * minuteMs);
      expect(await store.latestRollupStart('hour')).toBe(t0 + 60 * minuteMs);
      expect(await store.latestRollupStart('day')).toBeUndefined();
    });
  });
}
