import type { MonitorSpec } from './spec.ts';

/** A stored result reduced to what uptime needs. */
export interface StateSample {
  readonly atMs: number;
  /** A MonitorState, or whatever an older version stored. */
  readonly state: string;
}

/** When Bulwark itself was running: outside these intervals nothing was observed. */
export interface AliveInterval {
  readonly startedMs: number;
  readonly lastAliveMs: number;
}

/**
 * `alive` as of `nowMs`: the running process touches its own interval only every so often, so that interval
 * (the one begun at `runningSinceMs`) runs until now rather than until its last touch. Only that one: a
 * process stopped a moment ago is not alive meanwhile.
 */
export function aliveUntilNow(
  alive: readonly AliveInterval[],
  nowMs: number,
  runningSinceMs: number,
): AliveInterval[] {
  return alive.map((a) =>
    a.startedMs === runningSinceMs ? { ...a, lastAliveMs: Math.max(a.lastAliveMs, nowMs) } : a,
  );
}

export interface Uptime {
  /** Share (0..1) of observed time the monitor was up or degraded; undefined with no observed time. */
  readonly ratio: number | undefined;
  /** Up or degraded: degraded counts as up. */
  readonly upMs: number;
  /** The part of upMs spent degraded. */
  readonly degradedMs: number;
  readonly downMs: number;
  /** Observed time excluded from the ratio: paused, maintenance, or not yet known. */
  readonly excludedMs: number;
  /** Time in the window with no observation: Bulwark was not running, or the monitor did not exist. */
  readonly noDataMs: number;
}

/** A state holds until the next result, or three check intervals at most: a silent monitor stops counting. */
export function maxHoldOf(intervalMs: number): number {
  return 3 * intervalMs;
}

/**
 * How long one of this monitor's results counts: a few check intervals, or for a heartbeat until its call is
 * late (its results come per call, a day apart for a daily job, and a call holds until expect_every + grace).
 */
export function maxHoldOfMonitor(spec: Pick<MonitorSpec, 'intervalMs' | 'check'>): number {
  return spec.check.kind === 'heartbeat'
    ? spec.check.expectEveryMs + spec.check.graceMs
    : maxHoldOf(spec.intervalMs);
}

/**
 * Time-weighted uptime over [fromMs, toMs): each result's state holds until the next result, but never
 * beyond the end of the alive interval it falls in, nor beyond `maxHoldMs` (a few check intervals: a
 * monitor that stopped reporting stops counting). Time Bulwark was not running is no data, never up.
 * `samples` must be sorted by time and may start before the window (the state in force at its start).
 */
export function uptimeOf(
  samples: readonly StateSample[],
  alive: readonly AliveInterval[],
  window: { readonly fromMs: number; readonly toMs: number },
  maxHoldMs: number,
): Uptime {
  let upMs = 0;
  let degradedMs = 0;
  let downMs = 0;
  let excludedMs = 0;
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i]!;
    const nextMs = samples[i + 1]?.atMs ?? Number.POSITIVE_INFINITY;
    const aliveEndMs = aliveEndOf(alive, sample.atMs);
    const startMs = Math.max(sample.atMs, window.fromMs);
    const endMs = Math.min(nextMs, aliveEndMs, sample.atMs + maxHoldMs, window.toMs);
    if (endMs <= startMs) continue;
    const heldMs = endMs - startMs;
    if (sample.state === 'up' || sample.state === 'degraded') upMs += heldMs;
    else if (sample.state === 'down') downMs += heldMs;
    else excludedMs += heldMs;
    if (sample.state === 'degraded') degradedMs += heldMs;
  }
  const observedMs = upMs + downMs;
  return {
    ratio: observedMs > 0 ? upMs / observedMs : undefined,
    upMs,
    degradedMs,
    downMs,
    excludedMs,
    noDataMs: Math.max(0, window.toMs - window.fromMs - observedMs - excludedMs),
  };
}

/** The parts of [fromMs, toMs) no alive interval covers: when Bulwark was not running. */
export function noDataGapsOf(
  alive: readonly AliveInterval[],
  fromMs: number,
  toMs: number,
): { fromMs: number; toMs: number }[] {
  const gaps: { fromMs: number; toMs: number }[] = [];
  let cursor = fromMs;
  for (const interval of [...alive].sort((a, b) => a.startedMs - b.startedMs)) {
    if (interval.startedMs > cursor) gaps.push({ fromMs: cursor, toMs: Math.min(interval.startedMs, toMs) });
    cursor = Math.max(cursor, interval.lastAliveMs);
    if (cursor >= toMs) break;
  }
  if (cursor < toMs) gaps.push({ fromMs: cursor, toMs });
  return gaps.filter((gap) => gap.toMs > gap.fromMs);
}

/** The end of the alive interval containing `atMs`; the sample's own time if none does (a stray result). */
function aliveEndOf(alive: readonly AliveInterval[], atMs: number): number {
  for (const interval of alive)
    if (interval.startedMs <= atMs && atMs <= interval.lastAliveMs) return interval.lastAliveMs;
  return atMs;
}
