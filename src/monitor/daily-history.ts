import { readRawSince, type HistoryStores } from './history-summary.ts';
import { LatencySketch } from './latency-sketch.ts';
import { periodStartOf, resolutionMs, type Rollup, type RollupSample } from './rollup.ts';
import { uptimeOf, type AliveInterval } from './uptime.ts';

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

/**
 * The status page's view of a monitor: each of the last `dayCount` UTC days from its day rollup when there is
 * one, else from hour rollups plus raw results for what they do not cover (today, and days the rollup job has
 * not reached). Reads at most `dayCount` day rows, 8 days of hours and the raw results since the last hour.
 */
export async function readDailyHistory(
  stores: HistoryStores,
  monitorId: string,
  nowMs: number,
  options: { readonly dayCount: number; readonly maxHoldMs: number; readonly runningSlackMs: number },
): Promise<DailyHistory> {
  const todayMs = periodStartOf(nowMs, 'day');
  const firstDayMs = todayMs - (options.dayCount - 1) * dayMs;
  const days = await stores.rollups.rollups(monitorId, 'day', firstDayMs, nowMs);
  const hoursFromMs = Math.max(firstDayMs, Math.min(todayMs - dayMs, endOf(days)));
  const hours = await stores.rollups.rollups(monitorId, 'hour', Math.min(hoursFromMs, nowMs - dayMs), nowMs);
  const hoursEndMs = Math.max(hoursFromMs, endOf(hours));
  // The minutes the rollup job has made since the last hour. Without them this read up to an hour of raw
  // results per monitor every minute (3,600 rows for a 1-s monitor), on the event loop the gateway shares.
  const minutes = contiguousFrom(
    hoursEndMs,
    await stores.rollups.rollups(monitorId, 'minute', hoursEndMs, nowMs),
  );
  const rawFromMs = Math.max(hoursEndMs, endOf(minutes));
  const raw = await readRawSince(stores, monitorId, rawFromMs, nowMs, options);
  return dailyHistoryOf({ days, hours, minutes, rawFromMs, ...raw }, nowMs, options);
}

export function dailyHistoryOf(
  pieces: {
    readonly days: readonly Rollup[];
    readonly hours: readonly Rollup[];
    /** Minute rollups from the end of the hours on, without gaps: raw results only count after them. */
    readonly minutes?: readonly Rollup[];
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
    const inDay = (r: Rollup) => r.startMs >= startMs && r.startMs < endMs;
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

function timesOf(rows: readonly Rollup[]): Omit<MonitorDay, 'startMs'> {
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
function contiguousFrom(startMs: number, rows: readonly Rollup[]): Rollup[] {
  const chain: Rollup[] = [];
  let nextMs = startMs;
  for (const row of rows) {
    if (row.startMs !== nextMs) break;
    chain.push(row);
    nextMs = row.startMs + resolutionMs[row.resolution];
  }
  return chain;
}

/** The end of the last row; -Infinity without rows. */
function endOf(rows: readonly Rollup[]): number {
  const last = rows.at(-1);
  return last === undefined ? Number.NEGATIVE_INFINITY : last.startMs + resolutionMs[last.resolution];
}
