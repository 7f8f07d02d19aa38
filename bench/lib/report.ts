import type { LoadResult } from './load.ts';

/** Reduces rounds to medians and prints them as the markdown table docs/benchmarks.md carries. */

export interface RoundResult extends LoadResult {
  /** Share of one core the proxy's process group used during the round; undefined for `direct`. */
  readonly proxyCpuShare: number | undefined;
}

export interface TargetRun {
  readonly name: string;
  readonly rounds: RoundResult[];
  /** `failed: why` or `skipped: why`; the table prints it instead of numbers. */
  failure?: string | undefined;
}

export interface TargetSummary {
  readonly name: string;
  readonly requestsPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly proxyCpuShare: number | undefined;
  readonly badResponses: number;
  readonly socketErrors: number;
}

export const referenceNames = {
  direct: 'direct',
  floor: 'undici floor',
  fastify: '@fastify/http-proxy',
  nginx: 'nginx',
  haproxy: 'HAProxy',
} as const;

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The q-quantile (0–1) with linear interpolation between ranks; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = q * (sorted.length - 1);
  const below = sorted[Math.floor(rank)] ?? Number.NaN;
  const above = sorted[Math.ceil(rank)] ?? Number.NaN;
  return below + (above - below) * (rank - Math.floor(rank));
}

// Each metric's median is taken on its own: the median-req/s round need not be the median-p99 round.
export function summarize(run: TargetRun): TargetSummary | undefined {
  if (run.rounds.length === 0) return undefined;
  const cpuShares = run.rounds.flatMap((r) => (r.proxyCpuShare === undefined ? [] : [r.proxyCpuShare]));
  const sum = (pick: (r: LoadResult) => number): number =>
    run.rounds.reduce((total, r) => total + pick(r), 0);
  return {
    name: run.name,
    requestsPerS: median(run.rounds.map((r) => r.requestsPerS)),
    p50Ms: median(run.rounds.map((r) => r.p50Ms)),
    p99Ms: median(run.rounds.map((r) => r.p99Ms)),
    proxyCpuShare: cpuShares.length > 0 ? median(cpuShares) : undefined,
    badResponses: sum((r) => r.badResponses),
    socketErrors: sum((r) => r.socketErrors),
  };
}

export const ms = (value: number): string => `${value.toFixed(2)} ms`;
export const thousands = (value: number): string => Math.round(value).toLocaleString('en-US');
/** `+1.23 ms` over the reference's value, or `—` without one. */
export const addedMs = (valueMs: number, referenceMs: number | undefined): string =>
  referenceMs === undefined ? '—' : `${valueMs >= referenceMs ? '+' : ''}${ms(valueMs - referenceMs)}`;
const ratio = (value: number, reference: TargetSummary | undefined): string =>
  reference && reference.requestsPerS > 0 ? `${(value / reference.requestsPerS).toFixed(2)}×` : '—';

const columns = [
  'target',
  'req/s (median)',
  'p50',
  'p99',
  'added p99 vs direct',
  'req/s vs undici floor',
  'vs @fastify/http-proxy',
  'vs nginx',
  'vs HAProxy',
  'proxy CPU',
  'req/s per proxy core',
  'errors',
];

export function markdownTable(runs: readonly TargetRun[]): string {
  return targetTable(columns, runs, summarize, rowCells);
}

/**
 * A markdown table with a row a target, from each run's summary; a target that failed or has no rounds gets
 * a row saying why. `cells` sees the other targets' summaries too, for columns relative to a reference.
 */
export function targetTable<R extends { readonly name: string; readonly failure?: string | undefined }, S>(
  columnNames: readonly string[],
  runs: readonly R[],
  summarizeRun: (run: R) => S | undefined,
  cells: (name: string, summary: S, summaryOf: (name: string) => S | undefined) => string[],
): string {
  const summaries = new Map<string, S>();
  for (const run of runs) {
    const summary = run.failure ? undefined : summarizeRun(run);
    if (summary !== undefined) summaries.set(run.name, summary);
  }
  const rows = runs.map((run) => {
    const summary = summaries.get(run.name);
    if (summary) return `| ${cells(run.name, summary, (name) => summaries.get(name)).join(' | ')} |`;
    const why = (run.failure ?? 'failed: no rounds').replaceAll('|', '/');
    return `| ${run.name} | ${why} |${' |'.repeat(columnNames.length - 2)}`;
  });
  const header = [`| ${columnNames.join(' | ')} |`, `|---|${'--:|'.repeat(columnNames.length - 2)}---|`];
  return [...header, ...rows].join('\n');
}

function rowCells(
  name: string,
  s: TargetSummary,
  reference: (name: string) => TargetSummary | undefined,
): string[] {
  const errorCount = s.badResponses + s.socketErrors;
  return [
    name,
    thousands(s.requestsPerS),
    ms(s.p50Ms),
    ms(s.p99Ms),
    addedMs(s.p99Ms, reference(referenceNames.direct)?.p99Ms),
    ratio(s.requestsPerS, reference(referenceNames.floor)),
    ratio(s.requestsPerS, reference(referenceNames.fastify)),
    ratio(s.requestsPerS, reference(referenceNames.nginx)),
    ratio(s.requestsPerS, reference(referenceNames.haproxy)),
    s.proxyCpuShare === undefined ? '—' : `${Math.round(s.proxyCpuShare * 100)}%`,
    // What the proxy would serve with a whole core to burn: fair when a peer is held back by the upstream.
    s.proxyCpuShare ? thousands(s.requestsPerS / s.proxyCpuShare) : '—',
    errorCount === 0 ? '0' : `${s.badResponses} non-2xx/3xx, ${s.socketErrors} socket`,
  ];
}

/**
 * The issue-2 targets measured round by round: each round measures direct, Bulwark and the floor back to back,
 * so a per-round ratio cancels drift slower than a round, which the table's ratio of medians does not. Both are
 * printed so that neither is chosen after the fact. Empty when a run is missing or the round counts differ.
 */
export function pairedSummary(runs: readonly TargetRun[], proxyName: string): string {
  const roundsOf = (name: string): readonly RoundResult[] | undefined => {
    const run = runs.find((r) => r.name === name && !r.failure);
    return run && run.rounds.length > 0 ? run.rounds : undefined;
  };
  const proxy = roundsOf(proxyName);
  const floor = roundsOf(referenceNames.floor);
  const direct = roundsOf(referenceNames.direct);
  if (!proxy || !floor || !direct || proxy.length !== floor.length || proxy.length !== direct.length)
    return '';
  const spread = (values: number[], format: (value: number) => string): string =>
    `${values.map(format).join(', ')}: median ${format(median(values))} ` +
    `(middle half ${format(quantile(values, 0.25))} to ${format(quantile(values, 0.75))})`;
  const times = (value: number): string => `${value.toFixed(2)}×`;
  const added = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(2)} ms`;
  const addedP99 = (rounds: readonly RoundResult[]): number[] =>
    rounds.map((r, i) => r.p99Ms - (direct[i]?.p99Ms ?? Number.NaN));
  return [
    `Round by round (each round measures direct, ${proxyName} and the floor back to back):`,
    `- ${proxyName} ÷ undici floor, req/s: ${spread(
      proxy.map((r, i) => r.requestsPerS / (floor[i]?.requestsPerS ?? Number.NaN)),
      times,
    )}`,
    `- ${proxyName}, added p99 vs the round's direct: ${spread(addedP99(proxy), added)}`,
    `- undici floor, added p99 vs the round's direct: ${spread(addedP99(floor), added)}`,
  ].join('\n');
}
