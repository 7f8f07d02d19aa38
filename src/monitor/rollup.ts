import { LatencySketch } from './latency-sketch.ts';
import type { AliveInterval, StateSample } from './uptime.ts';

export type RollupResolution = 'minute' | 'hour' | 'day';

export const resolutionMs: Readonly<Record<RollupResolution, number>> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/**
 * One monitor's history over one period [startMs, startMs + resolution). The five times add up to the
 * period; days are UTC days. `sketch` is a serialized LatencySketch of the successful checks' latencies.
 */
export interface Rollup {
  readonly monitorId: string;
  readonly resolution: RollupResolution;
  readonly startMs: number;
  /** Results in the period, and how many of them failed (ok = false). */
  readonly count: number;
  readonly failures: number;
  readonly upMs: number;
  readonly degradedMs: number;
  readonly downMs: number;
  /** Observed but excluded from uptime: paused, maintenance, unknown. */
  readonly otherMs: number;
  /** Bulwark was not running, or the monitor did not report. */
  readonly noDataMs: number;
  readonly sketch: Uint8Array;
}

/** A stored result reduced to what a rollup needs. */
export interface RollupSample extends StateSample {
  readonly ok: boolean;
  readonly responseTimeMs: number;
}

/** The start of the period of `resolution` that contains `atMs`. */
export function periodStartOf(atMs: number, resolution: RollupResolution): number {
  const periodMs = resolutionMs[resolution];
  return Math.floor(atMs / periodMs) * periodMs;
}

/**
 * One period from raw results, time-weighted by the rules of uptimeOf (uptime.ts; the tests hold the two
 * to the same numbers). `samples` are sorted by time and may start before the period: the last one before
 * it gives the state in force at its start.
 */
export function rollupResults(
  monitorId: string,
  samples: readonly RollupSample[],
  alive: readonly AliveInterval[],
  bucketStartMs: number,
  resolution: RollupResolution,
  maxHoldMs: number,
): Rollup {
  const bucketEndMs = bucketStartMs + resolutionMs[resolution];
  const held = { up: 0, degraded: 0, down: 0, other: 0 };
  const sketch = new LatencySketch();
  let count = 0;
  let failures = 0;
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i]!;
    if (sample.atMs >= bucketEndMs) break;
    if (sample.atMs >= bucketStartMs) {
      count++;
      if (sample.ok) sketch.add(sample.responseTimeMs);
      else failures++;
    }
    const nextMs = samples[i + 1]?.atMs ?? Number.POSITIVE_INFINITY;
    const startMs = Math.max(sample.atMs, bucketStartMs);
    const endMs = Math.min(nextMs, aliveEndOf(alive, sample.atMs), sample.atMs + maxHoldMs, bucketEndMs);
    if (endMs > startMs) held[heldKindOf(sample.state)] += endMs - startMs;
  }
  return {
    monitorId,
    resolution,
    startMs: bucketStartMs,
    count,
    failures,
    upMs: held.up,
    degradedMs: held.degraded,
    downMs: held.down,
    otherMs: held.other,
    noDataMs: bucketEndMs - bucketStartMs - held.up - held.degraded - held.down - held.other,
    sketch: sketch.toBytes(),
  };
}

/**
 * Rolls finer rollups of one monitor up into the `resolution` period that contains them: hours from
 * minutes, days from hours. Time no input covers (a missing minute) counts as no data.
 */
export function mergeRollups(rollups: readonly Rollup[], resolution: RollupResolution): Rollup {
  const first = rollups[0];
  if (first === undefined) throw new RangeError('mergeRollups needs at least one rollup');
  const startMs = periodStartOf(first.startMs, resolution);
  for (const rollup of rollups) {
    if (rollup.monitorId !== first.monitorId || periodStartOf(rollup.startMs, resolution) !== startMs)
      throw new RangeError(`rollups of different monitors or ${resolution}s cannot be merged`);
    if (resolutionMs[rollup.resolution] >= resolutionMs[resolution])
      throw new RangeError(`a ${rollup.resolution} rollup cannot go into a ${resolution}`);
  }
  const total = sumRollups(rollups);
  return {
    monitorId: first.monitorId,
    resolution,
    startMs,
    ...total,
    noDataMs: resolutionMs[resolution] - total.upMs - total.degradedMs - total.downMs - total.otherMs,
    sketch: latencyOfRollups(rollups).toBytes(),
  };
}

/** Share (0..1) of observed time up or degraded: (up + degraded) / (up + degraded + down). */
export function uptimeOfRollups(rollups: readonly Rollup[]): number | undefined {
  const { upMs, degradedMs, downMs } = sumRollups(rollups);
  const observedMs = upMs + degradedMs + downMs;
  return observedMs > 0 ? (upMs + degradedMs) / observedMs : undefined;
}

/** The latency distribution of all the rollups together. */
export function latencyOfRollups(rollups: readonly Rollup[]): LatencySketch {
  const sketch = new LatencySketch();
  for (const rollup of rollups) sketch.merge(LatencySketch.fromBytes(rollup.sketch));
  return sketch;
}

function sumRollups(rollups: readonly Rollup[]) {
  const total = { count: 0, failures: 0, upMs: 0, degradedMs: 0, downMs: 0, otherMs: 0 };
  for (const r of rollups) {
    total.count += r.count;
    total.failures += r.failures;
    total.upMs += r.upMs;
    total.degradedMs += r.degradedMs;
    total.downMs += r.downMs;
    total.otherMs += r.otherMs;
  }
  return total;
}

function heldKindOf(state: string): 'up' | 'degraded' | 'down' | 'other' {
  return state === 'up' || state === 'degraded' || state === 'down' ? state : 'other';
}

// Same as uptime.ts: a result outside every alive interval (a stray) holds for no time.
function aliveEndOf(alive: readonly AliveInterval[], atMs: number): number {
  for (const interval of alive)
    if (interval.startedMs <= atMs && atMs <= interval.lastAliveMs) return interval.lastAliveMs;
  return atMs;
}
