import type { ChildSet } from './children.ts';
import { runOpenLoopChild } from './open-loop.ts';
import type { PhaseSummary } from './open-loop-summary.ts';
import { addedMs, median, ms, referenceNames, targetTable, thousands } from './report.ts';

/**
 * Latency at a fixed rate below saturation, as Nighthawk or wrk2 measure "added latency": every target is
 * offered the same rate open loop, so a proxy's p99 is its own cost, not queueing behind a 100%-busy loop.
 */

export interface FixedRatePlan {
  readonly url: string;
  readonly ratePerS: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly connections: number;
  readonly core: number;
}

export interface FixedRateRound {
  /** Below the planned rate means the generator lagged and the target saw less load than the table claims. */
  readonly sentPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly latenessP99Ms: number;
  readonly waitedForConnection: number;
  /** Every answer outside 2xx, 429 and 503 included. */
  readonly badResponses: number;
  readonly timeouts: number;
  readonly socketErrors: number;
}

export interface FixedRateRun {
  readonly name: string;
  readonly rounds: FixedRateRound[];
  failure?: string | undefined;
}

// Far beyond any latency a target below saturation should show: a request this slow is stuck, not slow.
const timeoutMs = 10_000;

export async function measureFixedRate(children: ChildSet, plan: FixedRatePlan): Promise<FixedRateRound> {
  const { ratePerS } = plan;
  const summary = await runOpenLoopChild(children, plan.core, {
    url: plan.url,
    // Warm-up in the same generator process, so its connections and JIT carry into the measured phase. It
    // ramps up: the fresh generator and 50 new connections, offered the full rate at once, built a backlog
    // that took every target about 3 s to work off (per-second p99 of 300–600 ms), longer than the warm-up.
    phases: [
      { name: 'ramp ¼', ratePerS: ratePerS / 4, durationMs: 1_000 },
      { name: 'ramp ½', ratePerS: ratePerS / 2, durationMs: 1_000 },
      { name: 'warm-up', ratePerS, durationMs: plan.warmupMs },
      { name: 'measured', ratePerS, durationMs: plan.durationMs },
    ],
    connections: plan.connections,
    timeoutMs,
  });
  const measured = summary.phases.at(-1);
  if (!measured) throw new Error('the open-loop generator reported no measured phase');
  return roundOf(measured);
}

const sumOf = (counts: Record<string, number>): number =>
  Object.values(counts).reduce((sum, n) => sum + n, 0);

function roundOf(phase: PhaseSummary): FixedRateRound {
  return {
    sentPerS: phase.sentPerS,
    p50Ms: phase.ok.p50Ms,
    p99Ms: phase.ok.p99Ms,
    p999Ms: phase.ok.p999Ms,
    latenessP99Ms: phase.lateness.p99Ms,
    waitedForConnection: phase.waitedForConnection,
    badResponses: phase.rejected.count + sumOf(phase.otherStatuses),
    timeouts: phase.timeouts,
    socketErrors: sumOf(phase.errorsByKind),
  };
}

const errorCount = (r: FixedRateRound): number => r.badResponses + r.timeouts + r.socketErrors;
const errorCell = (r: FixedRateRound): string =>
  errorCount(r) === 0 ? '0' : `${r.badResponses} non-2xx, ${r.timeouts} timeouts, ${r.socketErrors} socket`;

export function fixedRateRoundLine(name: string, round: string, r: FixedRateRound): string {
  return (
    `fixed-rate round ${round} ${name}: sent ${Math.round(r.sentPerS)} req/s, p50 ${ms(r.p50Ms)}, ` +
    `p99 ${ms(r.p99Ms)}, p99.9 ${ms(r.p999Ms)}, lateness p99 ${ms(r.latenessP99Ms)}, ` +
    `${r.waitedForConnection} waited for a connection` +
    (errorCount(r) ? `, errors: ${errorCell(r)}` : '')
  );
}

// Each metric's median on its own, as in report.ts; errors are summed, so one bad round still shows.
function summarize(run: FixedRateRun): FixedRateRound | undefined {
  if (run.rounds.length === 0) return undefined;
  const medianOf = (pick: (r: FixedRateRound) => number): number => median(run.rounds.map(pick));
  const sum = (pick: (r: FixedRateRound) => number): number =>
    run.rounds.reduce((total, r) => total + pick(r), 0);
  return {
    sentPerS: medianOf((r) => r.sentPerS),
    p50Ms: medianOf((r) => r.p50Ms),
    p99Ms: medianOf((r) => r.p99Ms),
    p999Ms: medianOf((r) => r.p999Ms),
    latenessP99Ms: medianOf((r) => r.latenessP99Ms),
    waitedForConnection: medianOf((r) => r.waitedForConnection),
    badResponses: sum((r) => r.badResponses),
    timeouts: sum((r) => r.timeouts),
    socketErrors: sum((r) => r.socketErrors),
  };
}

export interface FixedRateSetup {
  readonly ratePerS: number;
  readonly connections: number;
  readonly rounds: number;
  readonly durationS: number;
  readonly warmupS: number;
}

export function fixedRateCaption(s: FixedRateSetup): string {
  return (
    `Fixed rate, open loop: ${thousands(s.ratePerS)} req/s offered to each target over at most ` +
    `${s.connections} connections by bench/lib/open-loop.ts (pinned with the upstream); latency counts from ` +
    `each request's scheduled send, so generator lateness and waits for a connection are included ` +
    `(no coordinated omission); median of ${s.rounds} rounds of ${s.durationS} s, each after 1 s at ¼ and ` +
    `1 s at ½ the rate and ${s.warmupS} s at the rate; errors summed over rounds.`
  );
}

const columns = [
  'target',
  'sent req/s',
  'p50',
  'p99',
  'added p99 vs direct',
  'p99.9',
  'generator lateness p99',
  'waited for a connection',
  'errors',
];

export function fixedRateTable(runs: readonly FixedRateRun[]): string {
  return targetTable(columns, runs, summarize, rowCells);
}

function rowCells(
  name: string,
  s: FixedRateRound,
  summaryOf: (name: string) => FixedRateRound | undefined,
): string[] {
  return [
    name,
    thousands(s.sentPerS),
    ms(s.p50Ms),
    ms(s.p99Ms),
    addedMs(s.p99Ms, summaryOf(referenceNames.direct)?.p99Ms),
    ms(s.p999Ms),
    ms(s.latenessP99Ms),
    thousands(s.waitedForConnection),
    errorCell(s),
  ];
}
