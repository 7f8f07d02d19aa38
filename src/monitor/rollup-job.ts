import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  mergeRollups,
  periodStartOf,
  resolutionMs,
  rollupResults,
  type Rollup,
  type RollupResolution,
  type RollupSample,
} from './rollup.ts';
import type { RollupStore } from './rollup-store.ts';
import type { AliveInterval } from './uptime.ts';

/** Raw results of one monitor with fromMs <= atMs < toMs, oldest first (ResultsStore.results). */
export interface RollupResultsReader {
  results(monitorId: string, fromMs: number, toMs: number): Promise<readonly RollupSample[]>;
}

/** When Bulwark was running: intervals overlapping [fromMs, toMs) (ResultsStore.runtimes). */
export interface AliveReader {
  runtimes(fromMs: number, toMs: number): Promise<readonly AliveInterval[]>;
}

export interface RollupJobOptions {
  readonly results: RollupResultsReader;
  readonly alive: AliveReader;
  readonly store: RollupStore;
  /** retention.rollups: days are kept this long; minutes and hours go sooner. */
  readonly retentionMs: number;
  /** retention.raw: older results are gone, so the job never looks further back. */
  readonly rawRetentionMs: number;
  /** How long after its end a minute is rolled up: results still in the batch writer, alive touches. */
  readonly settleMs?: number;
  /** Catching up, at most this many hours of raw results (while Bulwark ran) are rolled up per run. */
  readonly maxHoursPerRun?: number;
}

/** A monitor to roll up; `maxHoldMs` as for uptimeOf (maxHoldOf its check interval). */
export interface RollupMonitor {
  readonly id: string;
  readonly maxHoldMs: number;
}

export interface RollupRunReport {
  readonly minuteRows: number;
  readonly hourRows: number;
  readonly dayRows: number;
  readonly prunedRows: number;
  /** False when maxHoursPerRun stopped the run before the last complete minute. */
  readonly isCaughtUp: boolean;
}

const minuteMs = resolutionMs.minute;
const hourMs = resolutionMs.hour;
const dayMs = resolutionMs.day;
// Minutes only feed hours, built a minute or so after each hour ends: two hours leave room for a late run.
const keepMinutesMs = 2 * hourMs;
// Hours feed the 7-day uptime window (history-summary.ts), plus a day; 30 and 90 days read days.
const keepHoursMs = 8 * dayMs;

/**
 * How long rows of each resolution are kept, given retention.rollups. The job never prunes rows its next
 * resolution has not been built from yet, whatever their age (a catch-up over a long retention.raw).
 */
export function rollupKeepMs(retentionMs: number): Readonly<Record<RollupResolution, number>> {
  return {
    minute: Math.min(keepMinutesMs, retentionMs),
    hour: Math.min(keepHoursMs, retentionMs),
    day: retentionMs,
  };
}

/**
 * Rolls raw results up into minutes, complete minutes into hours, complete hours into (UTC) days, and
 * prunes each resolution by age. Progress is read back from the store (its newest row of each resolution),
 * so a run after a crash or a restart resumes where the last one stopped; whatever it redoes comes out the
 * same, row for row.
 */
export class RollupJob {
  readonly #options: RollupJobOptions;
  readonly #settleMs: number;
  readonly #maxHoursPerRun: number;
  #previousRun: Promise<unknown> = Promise.resolve();

  constructor(options: RollupJobOptions) {
    this.#options = options;
    this.#settleMs = options.settleMs ?? 60_000;
    this.#maxHoursPerRun = options.maxHoursPerRun ?? 6;
  }

  /** Rolls up what is complete at nowMs. A call made while a run is under way starts after it ends. */
  run(nowMs: number, monitors: readonly RollupMonitor[]): Promise<RollupRunReport> {
    const run = this.#previousRun.then(() => this.#runOnce(nowMs, monitors));
    this.#previousRun = run.catch(() => undefined);
    return run;
  }

  async #runOnce(nowMs: number, monitors: readonly RollupMonitor[]): Promise<RollupRunReport> {
    const completeMs = periodStartOf(nowMs - this.#settleMs, 'minute');
    const originMs = periodStartOf(nowMs - this.#options.rawRetentionMs, 'hour');
    const minutesFromMs = Math.max(
      (await this.#nextStart('minute')) ??
        (await this.#nextStart('hour')) ??
        (await this.#nextStart('day')) ??
        0,
      originMs,
    );
    const minutes = await this.#rollupMinutes(minutesFromMs, completeMs, monitors);

    const hoursToMs = periodStartOf(Math.min(minutes.doneToMs, completeMs), 'hour');
    const hoursFromMs = (await this.#nextStart('hour')) ?? (await this.#nextStart('day')) ?? originMs;
    const hourRows = await this.#merge('minute', 'hour', hoursFromMs, hoursToMs, monitors);

    const daysToMs = periodStartOf(hoursToMs, 'day');
    const daysFromMs = (await this.#nextStart('day')) ?? periodStartOf(originMs, 'day');
    const dayRows = await this.#merge('hour', 'day', daysFromMs, daysToMs, monitors);

    return {
      minuteRows: minutes.rows,
      hourRows,
      dayRows,
      prunedRows: await this.#prune(nowMs),
      isCaughtUp: minutes.doneToMs >= completeMs,
    };
  }

  async #nextStart(resolution: RollupResolution): Promise<number | undefined> {
    const latestMs = await this.#options.store.latestRollupStart(resolution);
    return latestMs === undefined ? undefined : latestMs + resolutionMs[resolution];
  }

  /** Minutes in [fromMs, toMs), an hour (one write) at a time; hours Bulwark was not running cost one read. */
  async #rollupMinutes(fromMs: number, toMs: number, monitors: readonly RollupMonitor[]) {
    let doneToMs = fromMs;
    let rows = 0;
    let hoursWithData = 0;
    const longestHoldMs = Math.max(0, ...monitors.map((m) => m.maxHoldMs));
    while (doneToMs < toMs && hoursWithData < this.#maxHoursPerRun) {
      const chunkToMs = Math.min(periodStartOf(doneToMs, 'hour') + hourMs, toMs);
      const chunk = await this.#rollupChunk(doneToMs, chunkToMs, longestHoldMs, monitors);
      if (chunk !== undefined) {
        await this.#options.store.upsertRollups(chunk);
        rows += chunk.length;
        hoursWithData++;
      }
      doneToMs = chunkToMs;
    }
    return { doneToMs, rows };
  }

  /** Minute rollups of every monitor in [fromMs, toMs); undefined when Bulwark was not running then. */
  async #rollupChunk(
    fromMs: number,
    toMs: number,
    longestHoldMs: number,
    monitors: readonly RollupMonitor[],
  ) {
    const alive = await this.#options.alive.runtimes(fromMs - longestHoldMs, toMs);
    if (alive.length === 0 || monitors.length === 0) return undefined;
    const rows: Rollup[] = [];
    for (const [i, monitor] of monitors.entries()) {
      await breatheEvery(i);
      // From one hold before: the last result before fromMs gives the state in force at fromMs.
      const samples = await this.#options.results.results(monitor.id, fromMs - monitor.maxHoldMs, toMs);
      rows.push(...minuteRollupsOf(monitor, samples, alive, fromMs, toMs));
    }
    return rows;
  }

  /** `to` rollups of every monitor for the periods in [fromMs, toMs), from their `from` rollups. */
  async #merge(
    from: RollupResolution,
    to: RollupResolution,
    fromMs: number,
    toMs: number,
    monitors: readonly RollupMonitor[],
  ): Promise<number> {
    if (fromMs >= toMs) return 0;
    const rows: Rollup[] = [];
    for (const [i, monitor] of monitors.entries()) {
      await breatheEvery(i);
      const finer = await this.#options.store.rollups(monitor.id, from, fromMs, toMs);
      for (const group of groupByPeriod(finer, to)) rows.push(mergeRollups(group, to));
    }
    // One write, all or nothing: progress is the newest row, so a partial write would skip periods.
    await this.#options.store.upsertRollups(rows);
    return rows.length;
  }

  async #prune(nowMs: number): Promise<number> {
    const { store, retentionMs } = this.#options;
    const keepMs = rollupKeepMs(retentionMs);
    // Finer rows go only once merged: otherwise progress (the newest rows) would fall back and loop.
    const hoursEndMs = (await this.#nextStart('hour')) ?? Number.NEGATIVE_INFINITY;
    const daysEndMs = (await this.#nextStart('day')) ?? Number.NEGATIVE_INFINITY;
    const prune = (resolution: RollupResolution, beforeMs: number) =>
      Number.isFinite(beforeMs) ? store.pruneRollupsBefore(resolution, beforeMs) : Promise.resolve(0);
    const pruned = await Promise.all([
      prune('minute', Math.min(nowMs - keepMs.minute, hoursEndMs)),
      prune('hour', Math.min(nowMs - keepMs.hour, daysEndMs)),
      prune('day', nowMs - keepMs.day),
    ]);
    return pruned.reduce((sum, n) => sum + n, 0);
  }
}

/** One monitor's non-empty minutes in [fromMs, toMs); `samples` sorted, starting up to a hold before. */
function minuteRollupsOf(
  monitor: RollupMonitor,
  samples: readonly RollupSample[],
  alive: readonly AliveInterval[],
  fromMs: number,
  toMs: number,
): Rollup[] {
  const rollups: Rollup[] = [];
  let first = 0;
  let end = 0;
  for (let startMs = fromMs; startMs < toMs; startMs += minuteMs) {
    // `first`: the last result before the minute (the state in force at its start); `end`: past its last.
    while (first + 1 < samples.length && samples[first + 1]!.atMs < startMs) first++;
    while (end < samples.length && samples[end]!.atMs < startMs + minuteMs) end++;
    const rollup = rollupResults(
      monitor.id,
      samples.slice(first, end),
      alive,
      startMs,
      'minute',
      monitor.maxHoldMs,
    );
    if (rollup.count > 0 || rollup.noDataMs < minuteMs) rollups.push(rollup);
  }
  return rollups;
}

// node:sqlite answers synchronously, so awaiting a query never lets timers or sockets in: with a thousand
// monitors a run would hold the event loop for a few hundred ms. 50 monitors take about 5 ms.
async function breatheEvery(monitorIndex: number): Promise<void> {
  if (monitorIndex % 50 === 49) await nextTurn();
}

function* groupByPeriod(rollups: readonly Rollup[], resolution: RollupResolution): Generator<Rollup[]> {
  let group: Rollup[] = [];
  for (const rollup of rollups) {
    if (
      group.length > 0 &&
      periodStartOf(rollup.startMs, resolution) !== periodStartOf(group[0]!.startMs, resolution)
    ) {
      yield group;
      group = [];
    }
    group.push(rollup);
  }
  if (group.length > 0) yield group;
}
