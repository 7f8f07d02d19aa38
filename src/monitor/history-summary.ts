import type { ResultsStore } from './results-store.ts';
import { resolutionMs, type Rollup, type RollupSample } from './rollup.ts';
import type { RollupStore } from './rollup-store.ts';
import { aliveUntilNow, uptimeOf, type AliveInterval } from './uptime.ts';

export type UptimeWindow = '24h' | '7d' | '30d' | '90d';

const dayMs = resolutionMs.day;

export const uptimeWindowMs: Readonly<Record<UptimeWindow, number>> = {
  '24h': dayMs,
  '7d': 7 * dayMs,
  '30d': 30 * dayMs,
  '90d': 90 * dayMs,
};

/** What the admin API shows of one monitor's history. */
export interface HistorySummary {
  /** Share (0..1) of observed time up or degraded; null without observed time. */
  readonly uptime: Readonly<Record<UptimeWindow, number | null>>;
  /** Latency of the successful checks of the last 24 hours. */
  readonly latencyMs: {
    readonly p50: number | null;
    readonly p95: number | null;
    readonly p99: number | null;
  };
}

/** One monitor's history as summarizeHistory reads it; rows and results oldest first. */
export interface HistoryPieces {
  /** Day rollups of the 90-day window. */
  readonly days: readonly Rollup[];
  /** Hour rollups of the 7-day window, and every hour after the last day. */
  readonly hours: readonly Rollup[];
  /** Raw results from a hold before rawFromMs: the one before it gives the state in force then. */
  readonly results: readonly RollupSample[];
  /** Raw results count from here; earlier ones are gone (retention.raw) or not read. */
  readonly rawFromMs: number;
  readonly alive: readonly AliveInterval[];
}

/**
 * Time-weighted uptime per window, each moment counted from one source: 24 hours from raw results; 7 days
 * from hours (the window's start rounded up to the hour); 30 and 90 days from UTC days (its start rounded
 * up to the day), then the hours after the last day. Raw results fill in after the last rollup.
 */
export function summarizeHistory(pieces: HistoryPieces, nowMs: number, maxHoldMs: number): HistorySummary {
  const { days, hours, results, rawFromMs, alive } = pieces;
  const daysEndMs = endOf(days);
  const rolledEndMs = Math.max(daysEndMs, endOf(hours));
  const raw = (fromMs: number) =>
    uptimeOf(results, alive, { fromMs: Math.max(fromMs, rawFromMs), toMs: nowMs }, maxHoldMs);
  const rolledAndRaw = (fromMs: number, rolled: readonly Rollup[]) => {
    const recent = raw(Math.max(fromMs, rolledEndMs));
    const upMs = sum(rolled, (r) => r.upMs + r.degradedMs) + recent.upMs;
    const downMs = sum(rolled, (r) => r.downMs) + recent.downMs;
    return upMs + downMs > 0 ? upMs / (upMs + downMs) : null;
  };
  const since = (window: UptimeWindow) => nowMs - uptimeWindowMs[window];
  const daysAndHours = (fromMs: number) => [
    ...days.filter((d) => d.startMs >= fromMs),
    ...hours.filter((h) => h.startMs >= Math.max(fromMs, daysEndMs)),
  ];
  const latencies = results.filter((r) => r.ok && r.atMs >= nowMs - dayMs).map((r) => r.responseTimeMs);
  return {
    uptime: {
      '24h': raw(since('24h')).ratio ?? null,
      '7d': rolledAndRaw(
        since('7d'),
        hours.filter((h) => h.startMs >= since('7d')),
      ),
      '30d': rolledAndRaw(since('30d'), daysAndHours(since('30d'))),
      '90d': rolledAndRaw(since('90d'), daysAndHours(since('90d'))),
    },
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p95: percentile(latencies, 0.95),
      p99: percentile(latencies, 0.99),
    },
  };
}

/** The stores a summary reads (ResultsStore and RollupStore). */
export interface HistoryStores {
  readonly results: Pick<ResultsStore, 'samplesOf' | 'runtimes'>;
  readonly rollups: Pick<RollupStore, 'rollups'>;
}

export interface HistoryOptions {
  readonly rawRetentionMs: number;
  /** As for uptimeOf: how long a result's state holds at most. */
  readonly maxHoldMs: number;
  /** When the running process's alive interval began: that interval counts up to now. */
  readonly runningSinceMs: number;
}

/**
 * Reads one monitor's history and summarizes it: at most 90 day rows, about 170 hour rows and a day of raw
 * results (more while the rollups lag behind, up to retention.raw).
 */
export async function summarizeMonitor(
  stores: HistoryStores,
  monitorId: string,
  nowMs: number,
  options: HistoryOptions,
): Promise<HistorySummary> {
  const days = await stores.rollups.rollups(monitorId, 'day', nowMs - uptimeWindowMs['90d'], nowMs);
  const daysEndMs = endOf(days);
  const hoursFromMs = Math.max(
    nowMs - uptimeWindowMs['90d'],
    Math.min(nowMs - uptimeWindowMs['7d'], daysEndMs),
  );
  const hours = await stores.rollups.rollups(monitorId, 'hour', hoursFromMs, nowMs);
  const rolledEndMs = Math.max(daysEndMs, endOf(hours), nowMs - uptimeWindowMs['90d']);
  // Raw results cover what the rollups do not yet, and 24 hours at least.
  const rawFromMs = Math.max(nowMs - options.rawRetentionMs, Math.min(rolledEndMs, nowMs - dayMs));
  const raw = await readRawSince(stores, monitorId, rawFromMs, nowMs, options);
  return summarizeHistory({ days, hours, rawFromMs, ...raw }, nowMs, options.maxHoldMs);
}

/** The end of the last row; -Infinity without rows. */
function endOf(rows: readonly Rollup[]): number {
  const last = rows.at(-1);
  return last === undefined ? Number.NEGATIVE_INFINITY : last.startMs + resolutionMs[last.resolution];
}

function sum(rows: readonly Rollup[], of: (row: Rollup) => number): number {
  return rows.reduce((total, row) => total + of(row), 0);
}

function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
}

/**
 * The raw results from `rawFromMs` (and the one before it still holding, up to maxHoldMs earlier) and when
 * Bulwark was alive, the running process's interval up to now (aliveUntilNow).
 * Samples, not whole results: a day of 5-s checks is 17,280 rows, read in one block of the event loop.
 */
async function readRawSince(
  stores: HistoryStores,
  monitorId: string,
  rawFromMs: number,
  nowMs: number,
  options: { readonly maxHoldMs: number; readonly runningSinceMs: number },
): Promise<{ results: RollupSample[]; alive: AliveInterval[] }> {
  const readFromMs = rawFromMs - options.maxHoldMs;
  const [results, alive] = await Promise.all([
    stores.results.samplesOf([monitorId], readFromMs, nowMs + 1),
    stores.results.runtimes(readFromMs, nowMs + 1),
  ]);
  return { results, alive: aliveUntilNow(alive, nowMs, options.runningSinceMs) };
}
