import type { Rollup, RollupResolution } from './rollup.ts';

export type { RollupResolution } from './rollup.ts';

/** A rollup as stored: the shape rollup.ts defines, the one place it is written. */
export type StoredRollup = Rollup;

/** A rollup's times without its latency sketch, which is most of a row's bytes: what uptime bars need. */
export type RollupTimes = Pick<
  Rollup,
  'monitorId' | 'resolution' | 'startMs' | 'upMs' | 'degradedMs' | 'downMs' | 'otherMs'
>;

/**
 * Rolled-up history: per minute, hour and day. Keyed by (monitorId, resolution, startMs). Monitoring owns
 * the contract (rollup-store.contract.ts); src/store implements it.
 */
export interface RollupStore {
  /** Inserts or replaces each row by its key; all or none are stored. */
  upsertRollups(rows: readonly StoredRollup[]): Promise<void>;
  /** Rows of one monitor and resolution with fromMs <= startMs < toMs, oldest first. */
  rollups(
    monitorId: string,
    resolution: RollupResolution,
    fromMs: number,
    toMs: number,
  ): Promise<StoredRollup[]>;
  /** As `rollups`, for several monitors in one read: each monitor's rows oldest first, monitors in no set order. */
  rollupsOf(
    monitorIds: readonly string[],
    resolution: RollupResolution,
    fromMs: number,
    toMs: number,
  ): Promise<StoredRollup[]>;
  /** As `rollupsOf`, their times only. */
  rollupTimesOf(
    monitorIds: readonly string[],
    resolution: RollupResolution,
    fromMs: number,
    toMs: number,
  ): Promise<RollupTimes[]>;
  /** Deletes rows of `resolution` with startMs < atMs, across monitors; returns how many. */
  pruneRollupsBefore(resolution: RollupResolution, atMs: number): Promise<number>;
  /** The newest startMs of `resolution` across monitors; undefined when there is none. */
  latestRollupStart(resolution: RollupResolution): Promise<number | undefined>;
}
