import type { Rollup, RollupResolution } from './rollup.ts';

export type { RollupResolution } from './rollup.ts';

/** A rollup as stored: the shape rollup.ts defines, the one place it is written. */
export type StoredRollup = Rollup;

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
  /** Deletes rows of `resolution` with startMs < atMs, across monitors; returns how many. */
  pruneRollupsBefore(resolution: RollupResolution, atMs: number): Promise<number>;
  /** The newest startMs of `resolution` across monitors; undefined when there is none. */
  latestRollupStart(resolution: RollupResolution): Promise<number | undefined>;
}
