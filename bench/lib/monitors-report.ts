import type { ScenarioResult } from './monitor-scenario.ts';
import { fractionAtOrBelow, histogramQuantile, type HistogramSnapshot } from './prom-text.ts';

/** The tables and target lines bench/monitors.ts prints, in the shape docs/benchmarks.md carries. */

export const limits = {
  latenessP99S: 0.25,
  cpuShare: 0.5,
  rssBytes: 512 * 1024 * 1024,
  /** Checks run against checks due: below this, the scheduler is skipping or the checks fail to connect. */
  checkRatio: 0.99,
} as const;

const dayS = 86_400;
/** Bulwark's default `retention.raw` (src/config/monitors.ts): where the raw results level off. */
const rawRetentionDays = 7;

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(2)} GB`;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;
const boundMs = (seconds: number): string => String(Math.round(seconds * 1e6) / 1e3);
const msOf = (seconds: number): string =>
  seconds === Infinity ? '∞' : `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 0)} ms`;

export function scenarioName(r: ScenarioResult): string {
  return `${int(r.scenario.monitorCount)} monitors @ ${r.scenario.intervalMs / 1000} s`;
}

export function expectedPerS(r: ScenarioResult): number {
  return r.scenario.monitorCount / (r.scenario.intervalMs / 1000);
}

function quantileCell(h: HistogramSnapshot, q: number): string {
  const found = histogramQuantile(h, q);
  if (!found) return 'no check started';
  if (found.upperS === Infinity) return `> ${msOf(found.lowerS)} (past the last bucket)`;
  return `${msOf(found.valueS)} (bucket ${boundMs(found.lowerS)}–${boundMs(found.upperS)} ms)`;
}

interface Row {
  readonly measure: string;
  readonly value: string;
  readonly target?: string;
  readonly isMet?: boolean;
}

function rows(r: ScenarioResult): Row[] {
  const { dbStart, dbEnd, lateness } = r;
  const within = fractionAtOrBelow(lateness, limits.latenessP99S);
  const rowsAdded = dbEnd.rows - dbStart.rows;
  const fileGrowth = dbEnd.fileBytes - dbStart.fileBytes;
  const logicalGrowth = dbEnd.logicalBytes - dbStart.logicalBytes;
  const perDay = (bytes: number): number => (bytes / r.windowS) * dayS;
  const checkRatio = r.checksPerS / expectedPerS(r);
  const rssTarget = `< ${mib(limits.rssBytes)}`;
  return [
    { measure: 'window', value: `${r.windowS.toFixed(0)} s after ${r.scenario.warmupMs / 1000} s warm-up` },
    { measure: 'start-up (spawn → admin /healthz)', value: `${(r.startupMs / 1000).toFixed(1)} s` },
    { measure: 'schedule lateness p50', value: quantileCell(lateness, 0.5) },
    {
      measure: 'schedule lateness p99',
      value: `${quantileCell(lateness, 0.99)}; ${within === undefined ? '?' : pct(within)} started ≤ 250 ms`,
      target: '< 250 ms',
      isMet: within !== undefined && within >= 0.99,
    },
    {
      measure: 'schedule lateness mean, max bucket',
      value: `${msOf(lateness.count > 0 ? lateness.sumS / lateness.count : Number.NaN)}, ${maxBucket(lateness)}`,
    },
    {
      measure: 'Bulwark CPU (share of one core)',
      value: r.cpuShare === undefined ? '—' : pct(r.cpuShare),
      target: '< 50%',
      isMet: r.cpuShare !== undefined && r.cpuShare < limits.cpuShare,
    },
    {
      measure: 'RSS peak, whole run (window)',
      value: `${mib(r.peakRssBytes)} (${mib(r.windowPeakRssBytes)})`,
      target: rssTarget,
      isMet: r.peakRssBytes > 0 && r.peakRssBytes < limits.rssBytes,
    },
    {
      measure: 'checks run/s (target count) vs due',
      value: `${r.checksPerS.toFixed(1)} of ${expectedPerS(r).toFixed(1)} (${pct(checkRatio)})`,
      target: `≥ ${pct(limits.checkRatio)}`,
      isMet: checkRatio >= limits.checkRatio,
    },
    { measure: 'check starts/s (lateness count)', value: (lateness.count / r.windowS).toFixed(1) },
    {
      measure: 'monitors up at the end',
      value: `${int(r.up.matching)} of ${int(r.scenario.monitorCount)} (${int(r.up.series)} series)`,
      target: 'all',
      isMet: r.up.matching === r.scenario.monitorCount,
    },
    {
      measure: 'data_dir growth (db + wal files)',
      value: `${mib(fileGrowth)} in window → ${gb(perDay(fileGrowth))}/day, ${int(fileGrowth / rowsAdded)} B/result`,
    },
    {
      measure: 'database growth (page_count × page_size, all tables)',
      value: `${mib(logicalGrowth)} in window → ${gb(perDay(logicalGrowth))}/day, ${int(logicalGrowth / rowsAdded)} B/result`,
    },
    { measure: 'raw results (monitor_results + index)', value: rawResultsCell(r) },
    {
      measure: 'results stored',
      value: `${int(rowsAdded)} in window (${int(perDay(rowsAdded))}/day); db ${mib(dbEnd.fileBytes)} at the end`,
    },
    {
      measure: 'one /metrics scrape (slowest)',
      value: `${r.scrapeMs.toFixed(0)} ms, ${mib(r.scrapeBytes)}; ${scrapesNote(r)}`,
    },
  ];
}

/** Raw results are what the retention keeps for days; rollups and states grow with monitors, not checks. */
function rawResultsCell(r: ScenarioResult): string {
  const { dbStart, dbEnd } = r;
  if (dbStart.rawResultBytes === undefined || dbEnd.rawResultBytes === undefined)
    return 'no dbstat in SQLite';
  const bytesPerResult = dbEnd.rawResultBytes / dbEnd.rows;
  const perDayBytes = (bytesPerResult * (dbEnd.rows - dbStart.rows) * dayS) / r.windowS;
  return (
    `${int(bytesPerResult)} B/result over ${int(dbEnd.rows)} rows → ${gb(perDayBytes)}/day; ` +
    `~${gb(rawRetentionDays * perDayBytes)} held at the default ${rawRetentionDays}-day raw retention`
  );
}

function scrapesNote(r: ScenarioResult): string {
  const every = r.scenario.scrapeEveryMs;
  return every === undefined
    ? 'only the two measuring scrapes'
    : `plus ${r.extraScrapes} background scrapes, one every ${every / 1000} s`;
}

function maxBucket(h: HistogramSnapshot): string {
  let lowerS = 0;
  let previous = 0;
  let top = 'none';
  for (const { leS, count } of h.buckets) {
    if (count > previous) top = leS === Infinity ? `> ${boundMs(lowerS)} ms` : `≤ ${boundMs(leS)} ms`;
    previous = count;
    lowerS = leS;
  }
  return `slowest start ${top}`;
}

export function scenarioTable(r: ScenarioResult): string {
  const verdict = (row: Row): string => (row.isMet === undefined ? '' : row.isMet ? 'met' : 'MISSED');
  return [
    `### ${scenarioName(r)}`,
    '',
    '| measure | value | target | |',
    '|---|---|---|---|',
    ...rows(r).map((row) => `| ${row.measure} | ${row.value} | ${row.target ?? ''} | ${verdict(row)} |`),
  ].join('\n');
}

export function targetLines(r: ScenarioResult): string {
  const judged = rows(r).filter((row) => row.isMet !== undefined);
  return [
    `Targets for ${scenarioName(r)}:`,
    ...judged.map(
      (row) => `- ${row.isMet ? 'met' : 'MISSED'}: ${row.measure} ${row.target}; measured ${row.value}`,
    ),
  ].join('\n');
}

export function failedLines(name: string, failure: string): string {
  return `### ${name}\n\nfailed: ${failure}`;
}

/** Others' limits, from their docs and issue trackers: stated as reported, never measured here. */
export function peerLines(results: readonly ScenarioResult[]): string {
  const big = results.find((r) => r.scenario.monitorCount >= 10_000) ?? results[0];
  const gatusBudget = big
    ? ` (at 3 at a time, ${int(big.scenario.monitorCount)} endpoints every ${big.scenario.intervalMs / 1000} s leave ${msOf((3 * big.scenario.intervalMs) / 1000 / big.scenario.monitorCount)} per check, network included)`
    : '';
  return [
    'Reported by others, not measured here:',
    '- Uptime Kuma (v1, SQLite): users report the dashboard and server bogging down from a few hundred monitors ' +
      '(maintainers: "in v1, 500+ is likely pushing it", louislam/uptime-kuma#4094) up to ~1,400–1,800 ' +
      '(#5641, #7079), and databases of gigabytes (6 GB for 200 monitors at 90 days, #5187; 8 GB for 96, #4041).',
    '- Gatus: keeps the last 100 results per endpoint (`storage.maximum-number-of-results`, default 100) and ' +
      `checks 3 endpoints at a time (\`concurrency\`, default 3)${gatusBudget}.`,
  ].join('\n');
}
