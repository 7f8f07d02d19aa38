export type RollupResolution = 'minute' | 'hour' | 'day';

/** One monitor's rollup over [startMs, startMs + resolution); `sketch` is a serialized LatencySketch. */
export interface StoredRollup {
  readonly monitorId: string;
  readonly resolution: RollupResolution;
  readonly startMs: number;
  readonly count: number;
  readonly failures: number;
  readonly upMs: number;
  readonly degradedMs: number;
  readonly downMs: number;
  readonly otherMs: number;
  readonly noDataMs: number;
  readonly sketch: Uint8Array;
}

/** Rolled-up history: per minute, hour and day. Keyed by (monitorId, resolution, startMs). */
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
