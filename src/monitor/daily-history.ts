import { LatencySketch } from './latency-sketch.ts';
import type { ResultsStore } from './results-store.ts';
import {
  periodStartOf,
  resolutionMs,
  type Rollup,
  type RollupResolution,
  type RollupSample,
} from './rollup.ts';
import type { RollupStore, RollupTimes } from './rollup-store.ts';
import { aliveUntilNow, uptimeOf, type AliveInterval } from './uptime.ts';

const dayMs = resolutionMs.day;
const hourMs = resolutionMs.hour;

/** One UTC day of one monitor, time-weighted; degraded apart from up, from rollups and results alike. */
export interface MonitorDay {
  /** The day's start (UTC midnight). */
  readonly startMs: number;
  readonly upMs: number;
  readonly degradedMs: number;
  readonly downMs: number;
  /** Observed but excluded from uptime: maintenance, paused, unknown. */
  readonly excludedMs: number;
}

/** Median latency of one hour's successful checks. */
export interface HourLatency {
  readonly startMs: number;
  readonly p50Ms: number;
}

export interface DailyHistory {
  /** `days` entries, oldest first, the last one today (up to now). */
  readonly days: readonly MonitorDay[];
  /** The last 24 hours, oldest first; hours without successful checks are left out. */
  readonly latency: readonly HourLatency[];
}

/** A monitor whose history is read, and how long one of its results holds (maxHoldOfMonitor). */
export interface HistoryMonitor {
  readonly id: string;
  readonly maxHoldMs: number;
}

/** The stores readDailyHistories reads: each query covers many monitors. */
export interface DailyHistoryStores {
  readonly results: Pick<ResultsStore, 'samplesOf' | 'runtimes'>;
  readonly rollups: Pick<RollupStore, 'rollupsOf' | 'rollupTimesOf'>;
}

/**
 * The status page's view of each monitor: each of the last `dayCount` UTC days from its day rollup when there
 * is one, else from hour rollups, the minute rollups after them and raw results for what they do not cover
 * (today, and days the rollup job has not reached). Per monitor it reads at most `dayCount` day rows, 8 days
 * of hours, the minutes since the last hour and the raw results since the last minute. node:sqlite answers
 * synchronously, so the page's refresh is one block of the event loop: it reads each resolution for all the
 * monitors at once, since compiling and preparing four queries per monitor cost more than their rows.
 */
export async function readDailyHistories(
  stores: DailyHistoryStores,
  monitors: readonly HistoryMonitor[],
  nowMs: number,
  options: { readonly dayCount: number; readonly runningSinceMs: number },
): Promise<Map<string, DailyHistory>> {
  const histories = new Map<string, DailyHistory>();
  if (monitors.length === 0) return histories;
  const todayMs = periodStartOf(nowMs, 'day');
  const firstDayMs = todayMs - (options.dayCount - 1) * dayMs;
  // Times only for days and minutes: a sketch is most of a row's bytes, and only hours give latency.
  const readTimes = (resolution: RollupResolution, fromMsOf: (monitor: HistoryMonitor) => number) =>
    readEach(monitors, fromMsOf, (ids, fromMs) =>
      stores.rollups.rollupTimesOf(ids, resolution, fromMs, nowMs),
    );
  const days = await readTimes('day', () => firstDayMs);
  const hoursFromMs = (id: string) => Math.max(firstDayMs, Math.min(todayMs - dayMs, endOf(days(id))));
  const hours = await readEach(
    monitors,
    ({ id }) => Math.min(hoursFromMs(id), nowMs - dayMs),
    (ids, fromMs) => stores.rollups.rollupsOf(ids, 'hour', fromMs, nowMs),
  );
  const hoursEndMs = (id: string) => Math.max(hoursFromMs(id), endOf(hours(id)));
  // The minutes the rollup job has made since the last hour. Without them this read up to an hour of raw
  // results per monitor every minute (3,600 rows for a 1-s monitor), on the event loop the gateway shares.
  const minuteRows = await readTimes('minute', ({ id }) => hoursEndMs(id));
  const minutes = new Map(monitors.map(({ id }) => [id, contiguousFrom(hoursEndMs(id), minuteRows(id))]));
  const rawFromMs = (id: string) => Math.max(hoursEndMs(id), endOf(minutes.get(id) ?? []));
  // From a hold before rawFromMs: the result before it gives the state in force then.
  const readFromMs = ({ id, maxHoldMs }: HistoryMonitor) => rawFromMs(id) - maxHoldMs;
  const results = await readEach(monitors, readFromMs, (ids, fromMs) =>
    stores.results.samplesOf(ids, fromMs, nowMs + 1),
  );
  const alive = await stores.results.runtimes(Math.min(...monitors.map(readFromMs)), nowMs + 1);
  for (const monitor of monitors) {
    const { id, maxHoldMs } = monitor;
    const pieces = {
      days: days(id),
      hours: hours(id),
      minutes: minutes.get(id) ?? [],
      results: results(id),
      rawFromMs: rawFromMs(id),
      alive: aliveSince(alive, readFromMs(monitor), nowMs, options.runningSinceMs),
    };
    histories.set(id, dailyHistoryOf(pieces, nowMs, { dayCount: options.dayCount, maxHoldMs }));
  }
  return histories;
}

/**
 * The intervals of `alive` a read of runtimes from `fromMs` gives, the running process's up to now
 * (aliveUntilNow).
 */
function aliveSince(
  alive: readonly AliveInterval[],
  fromMs: number,
  nowMs: number,
  runningSinceMs: number,
): AliveInterval[] {
  return aliveUntilNow(
    alive.filter((a) => a.lastAliveMs >= fromMs),
    nowMs,
    runningSinceMs,
  );
}

/**
 * Each monitor's rows (oldest first) from its own start: one read per distinct start, and monitors rolled up
 * together share one. Reading all from the earliest start would drag them all 90 days back behind a new one.
 */
async function readEach<Row extends { readonly monitorId: string }>(
  monitors: readonly HistoryMonitor[],
  fromMsOf: (monitor: HistoryMonitor) => number,
  read: (monitorIds: readonly string[], fromMs: number) => Promise<readonly Row[]>,
): Promise<(monitorId: string) => readonly Row[]> {
  const idsByFromMs = new Map<number, string[]>();
  for (const monitor of monitors) {
    const fromMs = fromMsOf(monitor);
    const ids = idsByFromMs.get(fromMs);
    if (ids) ids.push(monitor.id);
    else idsByFromMs.set(fromMs, [monitor.id]);
  }
  const rowsById = new Map<string, Row[]>();
  for (const [fromMs, ids] of idsByFromMs) {
    for (const row of await read(ids, fromMs)) {
      const rows = rowsById.get(row.monitorId);
      if (rows) rows.push(row);
      else rowsById.set(row.monitorId, [row]);
    }
  }
  return (monitorId) => rowsById.get(monitorId) ?? [];
}

export function dailyHistoryOf(
  pieces: {
    readonly days: readonly RollupTimes[];
    readonly hours: readonly Rollup[];
    /** Minute rollups from the end of the hours on, without gaps: raw results only count after them. */
    readonly minutes?: readonly RollupTimes[];
    readonly results: readonly RollupSample[];
    readonly rawFromMs: number;
    readonly alive: readonly AliveInterval[];
  },
  nowMs: number,
  options: { readonly dayCount: number; readonly maxHoldMs: number },
): DailyHistory {
  const todayMs = periodStartOf(nowMs, 'day');
  const dayRows = new Map(pieces.days.map((d) => [d.startMs, d]));
  const days: MonitorDay[] = [];
  for (let i = options.dayCount - 1; i >= 0; i--) {
    const startMs = todayMs - i * dayMs;
    const rolled = dayRows.get(startMs);
    if (rolled) {
      days.push({ startMs, ...timesOf([rolled]) });
      continue;
    }
    const endMs = Math.min(startMs + dayMs, nowMs);
    const inDay = (r: RollupTimes) => r.startMs >= startMs && r.startMs < endMs;
    const rows = [...pieces.hours.filter(inDay), ...(pieces.minutes ?? []).filter(inDay)];
    const rawStartMs = Math.max(startMs, pieces.rawFromMs, endOf(rows));
    const raw =
      rawStartMs < endMs
        ? uptimeOf(pieces.results, pieces.alive, { fromMs: rawStartMs, toMs: endMs }, options.maxHoldMs)
        : undefined;
    const fromRollups = timesOf(rows);
    days.push({
      startMs,
      upMs: fromRollups.upMs + (raw ? raw.upMs - raw.degradedMs : 0),
      degradedMs: fromRollups.degradedMs + (raw?.degradedMs ?? 0),
      downMs: fromRollups.downMs + (raw?.downMs ?? 0),
      excludedMs: fromRollups.excludedMs + (raw?.excludedMs ?? 0),
    });
  }
  const latency = pieces.hours
    .filter((h) => h.startMs >= nowMs - dayMs && h.startMs + hourMs <= nowMs)
    .flatMap((h) => {
      const p50Ms = LatencySketch.fromBytes(h.sketch).quantile(0.5);
      return p50Ms === undefined ? [] : [{ startMs: h.startMs, p50Ms }];
    });
  return { days, latency };
}

function timesOf(rows: readonly RollupTimes[]): Omit<MonitorDay, 'startMs'> {
  let upMs = 0;
  let degradedMs = 0;
  let downMs = 0;
  let excludedMs = 0;
  for (const r of rows) {
    upMs += r.upMs;
    degradedMs += r.degradedMs;
    downMs += r.downMs;
    excludedMs += r.otherMs;
  }
  return { upMs, degradedMs, downMs, excludedMs };
}

/** The rows that follow each other without a gap from `startMs` (oldest first), up to the first gap. */
function contiguousFrom(startMs: number, rows: readonly RollupTimes[]): RollupTimes[] {
  const chain: RollupTimes[] = [];
  let nextMs = startMs;
  for (const row of rows) {
    if (row.startMs !== nextMs) break;
    chain.push(row);
    nextMs = row.startMs + resolutionMs[row.resolution];
  }
  return chain;
}

/** The end of the last row; -Infinity without rows. */
function endOf(rows: readonly RollupTimes[]): number {
  const last = rows.at(-1);
  return last === undefined ? Number.NEGATIVE_INFINITY : last.startMs + resolutionMs[last.resolution];
}
