import type { GoodputTrace, LatencyStats, OpenLoopSummary, PhaseSummary } from './open-loop-summary.ts';

/** The markdown bench/overload.ts prints for docs/benchmarks.md: per peer and phase, then the targets. */

export interface PeerResult {
  readonly name: string;
  readonly summary?: OpenLoopSummary | undefined;
  /** `failed: why` or `skipped: why`; the tables print it instead of numbers. */
  readonly failure?: string | undefined;
}

/** Phases the tables pick out by name; the plan in bench/overload.ts uses these. */
export const phaseNames = {
  warmUp: 'warm-up 0.5×',
  unloaded: 'unloaded 0.25×',
  overload: '4×',
  recovery: 'back to 1×',
} as const;

const fullThroughputShare = 0.9;
const smoothingMs = 1_000;

/** From the drop until goodput over the trailing 1 s first reaches 90% of capacity; undefined if never. */
export function timeToFullThroughputMs(trace: GoodputTrace, capacityPerS: number): number | undefined {
  const width = smoothingMs / trace.bucketMs;
  const dropIndex = -trace.fromMs / trace.bucketMs;
  const needed = (fullThroughputShare * capacityPerS * smoothingMs) / 1000;
  // Window k ends k buckets after the drop; k = 0 is the last second of overload.
  for (let end = dropIndex; end <= trace.good.length; end++) {
    const start = end - width;
    if (start < 0) continue;
    const good = trace.good.slice(start, end).reduce((sum, n) => sum + n, 0);
    if (good >= needed) return (end - dropIndex) * trace.bucketMs;
  }
  return undefined;
}

const ms = (value: number): string => (Number.isNaN(value) ? '—' : `${value.toFixed(value < 10 ? 2 : 0)} ms`);
const perS = (value: number): string => Math.round(value).toLocaleString('en-US');
const share = (value: number, of: number): string => `${Math.round((value / of) * 100)}%`;
const cell = (text: string): string => text.replaceAll('|', '/');
const row = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;

function table(header: readonly string[], rows: readonly string[][]): string {
  const align = header.map((_, i) => (i < 2 ? '---' : '--:'));
  return [row(header), row(align), ...rows.map(row)].join('\n');
}

function counts(byKey: Readonly<Record<string, number>>): string {
  return Object.entries(byKey)
    .sort(([, a], [, b]) => b - a)
    .map(([key, n]) => `${key} ${perS(n)}`)
    .join(', ');
}

function failures(phase: PhaseSummary): string {
  const parts = [
    phase.timeouts > 0 ? `timeout ${perS(phase.timeouts)}` : '',
    counts(phase.otherStatuses),
    counts(phase.errorsByKind),
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : '0';
}

const rejections = (p: PhaseSummary): string =>
  p.rejected.count === 0 ? '0' : `${perS(p.rejected.count)} (${counts(p.rejectionsByCode)})`;

function measuredPhases(result: PeerResult): PhaseSummary[] {
  return result.summary?.phases.filter((p) => p.name !== phaseNames.warmUp) ?? [];
}

function failureRow(result: PeerResult, columns: number): string[] {
  return [result.name, result.failure ?? 'no result', ...new Array<string>(columns - 2).fill('')];
}

export function phaseTable(results: readonly PeerResult[], capacityPerS: number): string {
  const header = [
    'peer',
    'phase',
    'offered req/s',
    'goodput req/s',
    'goodput / capacity',
    'admitted p50',
    'admitted p99',
    'rejected (429/503)',
    'rejection p50',
    'rejection p99',
    'timeouts and other errors',
  ];
  const rows = results.flatMap((result) =>
    result.failure
      ? [failureRow(result, header.length)]
      : measuredPhases(result).map((p) => [
          result.name,
          p.name,
          perS(p.ratePerS),
          perS(p.goodputPerS),
          share(p.goodputPerS, capacityPerS),
          ms(p.ok.p50Ms),
          ms(p.ok.p99Ms),
          rejections(p),
          ms(p.rejected.p50Ms),
          ms(p.rejected.p99Ms),
          failures(p),
        ]),
  );
  return table(header, rows);
}

/** Can the reader trust the open-loop claim? Sends on time, none held back for want of a connection. */
export function generatorTable(results: readonly PeerResult[]): string {
  const header = [
    'peer',
    'phase',
    'scheduled req/s',
    'sent req/s',
    'send lateness p50',
    'p99',
    'max',
    'waited for a connection',
  ];
  const rows = results.flatMap((result) =>
    (result.summary?.phases ?? []).map((p) => [
      result.name,
      p.name,
      perS(p.ratePerS),
      perS(p.sentPerS),
      ms(p.lateness.p50Ms),
      ms(p.lateness.p99Ms),
      ms(p.lateness.maxMs),
      perS(p.waitedForConnection),
    ]),
  );
  return table(header, rows);
}

export function recoveryTable(results: readonly PeerResult[], capacityPerS: number): string {
  const header = ['peer', 'unloaded p99', '4× goodput', '4× admitted p99', 'time to full throughput'];
  const rows = results.flatMap((result) => {
    const phases = byName(result);
    if (!phases) return [];
    const overload = phases.get(phaseNames.overload);
    return [
      [
        result.name,
        ms(phases.get(phaseNames.unloaded)?.ok.p99Ms ?? Number.NaN),
        overload ? `${perS(overload.goodputPerS)} (${share(overload.goodputPerS, capacityPerS)})` : '—',
        ms(overload?.ok.p99Ms ?? Number.NaN),
        recoveryText(phases.get(phaseNames.recovery), capacityPerS),
      ],
    ];
  });
  return table(header, rows);
}

function byName(result: PeerResult): Map<string, PhaseSummary> | undefined {
  return result.summary ? new Map(result.summary.phases.map((p) => [p.name, p])) : undefined;
}

function recoveryText(recovery: PhaseSummary | undefined, capacityPerS: number): string {
  if (!recovery?.trace) return '—';
  const timeMs = timeToFullThroughputMs(recovery.trace, capacityPerS);
  return timeMs === undefined
    ? `not within ${recovery.durationMs / 1000} s`
    : `${(timeMs / 1000).toFixed(1)} s`;
}

interface Target {
  readonly label: string;
  readonly isMet: boolean;
  readonly measured: string;
}

/** The targets, for Bulwark with adaptive concurrency at 4× capacity. */
export function targetLines(result: PeerResult | undefined, capacityPerS: number): string {
  const phases = result && byName(result);
  if (!result || !phases) return `- targets: not evaluated (${result?.failure ?? 'adaptive peer not run'})`;
  const overload = phases.get(phaseNames.overload);
  const unloadedP99Ms = phases.get(phaseNames.unloaded)?.ok.p99Ms ?? Number.NaN;
  const recovery = phases.get(phaseNames.recovery)?.trace;
  const recoveryMs = recovery ? timeToFullThroughputMs(recovery, capacityPerS) : undefined;
  const goodput = overload?.goodputPerS ?? 0;
  const admitted: LatencyStats | undefined = overload?.ok;
  const targets: Target[] = [
    {
      label: `goodput ≥ 90% of capacity (${perS(0.9 * capacityPerS)} req/s)`,
      isMet: goodput >= 0.9 * capacityPerS,
      measured: `${perS(goodput)} req/s`,
    },
    {
      label: `admitted p99 ≤ 2× unloaded p99 (${ms(2 * unloadedP99Ms)})`,
      isMet: admitted && admitted.count > 0 ? admitted.p99Ms <= 2 * unloadedP99Ms : false,
      measured: ms(admitted?.p99Ms ?? Number.NaN),
    },
    {
      // At 4× three requests in four must be turned away; none means nothing protected the upstream.
      label: 'rejection median ≤ 2 ms',
      isMet: overload && overload.rejected.count > 0 ? overload.rejected.p50Ms <= 2 : false,
      measured: overload?.rejected.count ? ms(overload.rejected.p50Ms) : 'no rejections',
    },
    {
      label: 'full throughput within 5 s after the load drops',
      isMet: recoveryMs !== undefined && recoveryMs <= 5_000,
      measured: recoveryMs === undefined ? 'never' : `${(recoveryMs / 1000).toFixed(1)} s`,
    },
  ];
  const verdict = (t: Target): string => (t.isMet ? 'met' : 'MISSED');
  return [
    `Targets for ${result.name} at 4×:`,
    ...targets.map((t) => `- ${verdict(t)}: ${t.label}; measured ${t.measured}`),
  ].join('\n');
}
