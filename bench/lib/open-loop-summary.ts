import type { PhasePlan } from './open-loop.ts';

/** Reduces the open-loop generator's per-request log to a per-phase summary small enough for stdout. */

/** A 2xx slower than this is not goodput: its caller has given up or timed out by then. */
export const goodLatencyMs = 1_000;
export const traceBucketMs = 100;
/** How far before a traced phase its trace starts: a sliding 1 s window needs the second before the drop. */
export const traceLeadMs = 1_000;
const rejectionStatuses = new Set([429, 503]);

/** Per request, indexed by request number; typed arrays keep 250k requests to a few MB. */
export interface RequestLog {
  readonly phase: Uint8Array;
  readonly dueMs: Float64Array;
  readonly sentMs: Float64Array;
  readonly doneMs: Float64Array;
  /** HTTP status, or one of the outcome codes below. */
  readonly outcome: Int16Array;
  /** Index into `details`: the GW_ code of a rejection, or an error's kind; 0 when none. */
  readonly detail: Uint16Array;
  readonly details: string[];
  readonly waitedForConnection: Uint8Array;
}

export const outcomeTimeout = -1;
export const outcomeError = -2;

export interface LatencyStats {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

export interface GoodputTrace {
  /** Start of the first bucket, relative to the phase start (negative: before it). */
  readonly fromMs: number;
  readonly bucketMs: number;
  /** 2xx answered within goodLatencyMs, counted by the bucket their answer arrived in. */
  readonly good: number[];
}

export interface PhaseSummary {
  readonly name: string;
  readonly ratePerS: number;
  readonly durationMs: number;
  readonly scheduled: number;
  /** Sends that happened inside the phase's window, per second: below ratePerS means the generator lagged. */
  readonly sentPerS: number;
  /** Send time minus due time. */
  readonly lateness: LatencyStats;
  /** Sent while every connection was busy, so they queued in the generator (their latency still counts). */
  readonly waitedForConnection: number;
  /** Requests are counted in the phase they were due in; latencies run from the due time. */
  readonly goodputPerS: number;
  readonly ok: LatencyStats;
  /** 2xx answered inside the phase's window, however slowly: the upstream's delivered throughput. */
  readonly okAnsweredPerS: number;
  readonly rejected: LatencyStats;
  readonly rejectionsByCode: Record<string, number>;
  readonly otherStatuses: Record<string, number>;
  readonly timeouts: number;
  readonly errorsByKind: Record<string, number>;
  readonly trace?: GoodputTrace;
}

export interface OpenLoopSummary {
  readonly phases: PhaseSummary[];
}

export function summarizeRun(plans: readonly PhasePlan[], log: RequestLog): OpenLoopSummary {
  let startMs = 0;
  const phases = plans.map((plan, index) => {
    const window = { startMs, endMs: startMs + plan.durationMs };
    startMs = window.endMs;
    const perS = (count: number): number => (count * 1000) / plan.durationMs;
    const tally = tallyPhase(index, log);
    return {
      name: plan.name,
      ratePerS: plan.ratePerS,
      durationMs: plan.durationMs,
      scheduled: tally.latenessMs.length,
      sentPerS: perS(countInWindow(log.sentMs, window, () => true)),
      lateness: latencyStats(tally.latenessMs),
      waitedForConnection: tally.waited,
      goodputPerS: perS(tally.good),
      ok: latencyStats(tally.okMs),
      okAnsweredPerS: perS(countInWindow(log.doneMs, window, (i) => isOk(log.outcome[i] ?? 0))),
      rejected: latencyStats(tally.rejectedMs),
      rejectionsByCode: tally.rejectionsByCode,
      otherStatuses: tally.otherStatuses,
      timeouts: tally.timeouts,
      errorsByKind: tally.errorsByKind,
      ...(plan.trace ? { trace: goodputTrace(window.startMs - traceLeadMs, window.endMs, log) } : {}),
    };
  });
  return { phases };
}

interface PhaseTally {
  readonly okMs: number[];
  readonly rejectedMs: number[];
  readonly latenessMs: number[];
  readonly rejectionsByCode: Record<string, number>;
  readonly otherStatuses: Record<string, number>;
  readonly errorsByKind: Record<string, number>;
  good: number;
  timeouts: number;
  waited: number;
}

/** Outcomes of the requests due in one phase, whenever they were answered. */
function tallyPhase(phase: number, log: RequestLog): PhaseTally {
  const tally: PhaseTally = {
    okMs: [],
    rejectedMs: [],
    latenessMs: [],
    rejectionsByCode: {},
    otherStatuses: {},
    errorsByKind: {},
    good: 0,
    timeouts: 0,
    waited: 0,
  };
  for (let i = 0; i < log.dueMs.length; i++) {
    if (log.phase[i] !== phase) continue;
    const dueMs = log.dueMs[i] ?? 0;
    const latencyMs = (log.doneMs[i] ?? 0) - dueMs;
    const status = log.outcome[i] ?? 0;
    const detail = log.details[log.detail[i] ?? 0] ?? '';
    tally.latenessMs.push((log.sentMs[i] ?? 0) - dueMs);
    tally.waited += log.waitedForConnection[i] ?? 0;
    if (isOk(status)) {
      tally.okMs.push(latencyMs);
      if (latencyMs <= goodLatencyMs) tally.good++;
    } else if (rejectionStatuses.has(status)) {
      tally.rejectedMs.push(latencyMs);
      increment(tally.rejectionsByCode, detail || `${status} without GW_ code`);
    } else if (status === outcomeTimeout) tally.timeouts++;
    else if (status === outcomeError) increment(tally.errorsByKind, detail);
    else increment(tally.otherStatuses, detail ? `${status} ${detail}` : String(status));
  }
  return tally;
}

function countInWindow(
  timesMs: Float64Array,
  window: { readonly startMs: number; readonly endMs: number },
  isCounted: (i: number) => boolean,
): number {
  let count = 0;
  for (let i = 0; i < timesMs.length; i++) {
    const timeMs = timesMs[i] ?? 0;
    if (timeMs >= window.startMs && timeMs < window.endMs && isCounted(i)) count++;
  }
  return count;
}

function goodputTrace(fromMs: number, toMs: number, log: RequestLog): GoodputTrace {
  const good = new Array<number>(Math.ceil((toMs - fromMs) / traceBucketMs)).fill(0);
  for (let i = 0; i < log.dueMs.length; i++) {
    const doneMs = log.doneMs[i] ?? 0;
    if (!isOk(log.outcome[i] ?? 0) || doneMs < fromMs || doneMs >= toMs) continue;
    if (doneMs - (log.dueMs[i] ?? 0) > goodLatencyMs) continue;
    const bucket = Math.floor((doneMs - fromMs) / traceBucketMs);
    good[bucket] = (good[bucket] ?? 0) + 1;
  }
  return { fromMs: -traceLeadMs, bucketMs: traceBucketMs, good };
}

const isOk = (status: number): boolean => status >= 200 && status < 300;

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Nearest-rank percentiles, as bench/lib/node-load.ts computes them. */
export function latencyStats(valuesMs: number[]): LatencyStats {
  const sorted = Float64Array.from(valuesMs).sort();
  const at = (fraction: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
  return {
    count: sorted.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    p999Ms: at(0.999),
    maxMs: sorted.at(-1) ?? Number.NaN,
  };
}
