import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBenchBulwark, type StartedBulwark } from './bulwark-start.ts';
import type { ChildSet } from './children.ts';
import { groupCpuMs } from './cpu.ts';
import { RssSampler } from './memory.ts';
import { countGauge, histogramDelta, parseHistogram, type HistogramSnapshot } from './prom-text.ts';
import { startNodeScript } from './targets.ts';

/** One run of bench/monitors.ts: N HTTP monitors against a local target, measured over a window. */

export interface Scenario {
  readonly key: string;
  readonly monitorCount: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly warmupMs: number;
  readonly windowMs: number;
  /** Scrape /metrics this often from the start, as Prometheus would; undefined for only the two measuring scrapes. */
  readonly scrapeEveryMs?: number | undefined;
}

export interface ScenarioContext {
  readonly children: ChildSet;
  readonly tempDir: string;
  readonly bulwarkCore: number;
  readonly targetCore: number;
  readonly log: (line: string) => void;
}

export interface DbSize {
  /** bulwark.db plus bulwark.db-wal on disk. */
  readonly fileBytes: number;
  /** page_count × page_size as a reader sees it, WAL included: what the data takes, whatever the WAL holds. */
  readonly logicalBytes: number;
  /** monitor_results and its index, from SQLite's dbstat table; undefined where SQLite lacks dbstat. */
  readonly rawResultBytes: number | undefined;
  readonly rows: number;
}

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly startupMs: number;
  readonly windowS: number;
  /** Check starts observed during the window. */
  readonly lateness: HistogramSnapshot;
  readonly cpuShare: number | undefined;
  readonly peakRssBytes: number;
  readonly windowPeakRssBytes: number;
  readonly checksPerS: number;
  readonly dbStart: DbSize;
  readonly dbEnd: DbSize;
  readonly up: { readonly series: number; readonly matching: number };
  readonly scrapeMs: number;
  readonly scrapeBytes: number;
  /** Scrapes made besides the two measuring ones, during warm-up and window. */
  readonly extraScrapes: number;
}

export const latenessMetric = 'bulwark_monitor_schedule_lateness_seconds';
// Parsing and validating 10,000 monitors is part of start-up; give it room.
const startTimeoutMs = 120_000;

export async function runScenario(ctx: ScenarioContext, scenario: Scenario): Promise<ScenarioResult> {
  const dir = join(ctx.tempDir, scenario.key);
  const dataDir = join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  const target = await startNodeScript(ctx.children, ctx.targetCore, 'monitor-target.ts', []);
  const bulwark = await startBulwark(ctx, dir, dataDir, target.url, scenario);
  const sampler = new RssSampler(bulwark.pid);
  const scraper = scrapeEvery(bulwark.adminUrl, scenario.scrapeEveryMs);
  try {
    const name = `${scenario.monitorCount} monitors @ ${scenario.intervalMs / 1000}s`;
    ctx.log(`${name}: listening after ${(bulwark.startupMs / 1000).toFixed(1)} s; warming up`);
    await sleep(scenario.warmupMs);
    // Scrape first, the rest just after: the scrape is the slow part, and CPU and memory must not count it.
    const scrapeBefore = await scrape(bulwark.adminUrl);
    const targetBefore = await servedChecks(target.url);
    const dbStart = dbSize(dataDir);
    const cpuBeforeMs = groupCpuMs(bulwark.pid);
    const startMs = performance.now();
    sampler.mark();
    ctx.log(`${name}: measuring for ${scenario.windowMs / 1000} s`);
    await sleep(scenario.windowMs);
    const cpuAfterMs = groupCpuMs(bulwark.pid);
    const windowS = (performance.now() - startMs) / 1000;
    sampler.sample();
    const targetAfter = await servedChecks(target.url);
    const dbEnd = dbSize(dataDir);
    const scrapeAfter = await scrape(bulwark.adminUrl);
    const before = parseHistogram(scrapeBefore.text, latenessMetric);
    const after = parseHistogram(scrapeAfter.text, latenessMetric);
    if (!before || !after) throw new Error(`/metrics has no ${latenessMetric}`);
    return {
      scenario,
      startupMs: bulwark.startupMs,
      windowS,
      lateness: histogramDelta(before, after),
      cpuShare:
        cpuBeforeMs === undefined || cpuAfterMs === undefined
          ? undefined
          : (cpuAfterMs - cpuBeforeMs) / 1000 / windowS,
      peakRssBytes: sampler.peakBytes,
      windowPeakRssBytes: sampler.windowPeakBytes,
      checksPerS: (targetAfter - targetBefore) / windowS,
      dbStart,
      dbEnd,
      up: countGauge(scrapeAfter.text, 'bulwark_monitor_up', 1),
      scrapeMs: Math.max(scrapeBefore.ms, scrapeAfter.ms, scraper.slowestMs),
      scrapeBytes: scrapeAfter.text.length,
      extraScrapes: scraper.count,
    };
  } finally {
    scraper.stop();
    sampler.stop();
    await ctx.children.kill(bulwark.process);
    if (target.process) await ctx.children.kill(target.process);
  }
}

function startBulwark(
  ctx: ScenarioContext,
  dir: string,
  dataDir: string,
  targetUrl: string,
  scenario: Scenario,
): Promise<StartedBulwark> {
  return startBenchBulwark({
    children: ctx.children,
    core: ctx.bulwarkCore,
    dir,
    startTimeoutMs,
    configYaml: ({ gatewayPort, adminPort }) =>
      configYaml(gatewayPort, adminPort, dataDir, targetUrl, scenario),
  });
}

function configYaml(
  gatewayPort: number,
  adminPort: number,
  dataDir: string,
  targetUrl: string,
  scenario: Scenario,
): string {
  const interval = `${scenario.intervalMs}ms`;
  const timeout = `${scenario.timeoutMs}ms`;
  // Ids come from the names (M1 → m1); distinct paths so every check is its own request.
  const monitors = Array.from(
    { length: scenario.monitorCount },
    (_, i) =>
      `  - { name: M${i + 1}, type: http, url: ${targetUrl}/h/${i + 1}, interval: ${interval}, timeout: ${timeout}, assert: [ status == 200 ] }`,
  );
  return [
    'logging: { level: warn }',
    `listen: { gateway: 127.0.0.1:${gatewayPort}, admin: 127.0.0.1:${adminPort} }`,
    `data_dir: ${JSON.stringify(dataDir)}`,
    `pools: { p: { endpoints: [{ url: "${targetUrl}" }] } }`,
    'routes: [{ pool: p }]',
    'monitors:',
    ...monitors,
    '',
  ].join('\n');
}

async function scrape(adminUrl: string): Promise<{ text: string; ms: number }> {
  const startMs = performance.now();
  const res = await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return { text, ms: performance.now() - startMs };
}

/** Background scrapes at a fixed period; each one blocks Bulwark's event loop while it collects. */
function scrapeEvery(adminUrl: string, everyMs: number | undefined) {
  const state = { count: 0, slowestMs: 0, stop: () => {} };
  if (everyMs === undefined) return state;
  const timer = setInterval(() => {
    scrape(adminUrl).then(
      ({ ms }) => {
        state.count++;
        state.slowestMs = Math.max(state.slowestMs, ms);
      },
      () => undefined, // a scrape cut short by the end of the run
    );
  }, everyMs);
  state.stop = () => clearInterval(timer);
  return state;
}

async function servedChecks(targetUrl: string): Promise<number> {
  const res = await fetch(`${targetUrl}/stats`, { signal: AbortSignal.timeout(10_000) });
  const stats = (await res.json()) as { requests: number };
  return stats.requests;
}

function dbSize(dataDir: string): DbSize {
  const path = join(dataDir, 'bulwark.db');
  const fileBytes = [path, `${path}-wal`].reduce((sum, file) => {
    try {
      return sum + statSync(file).size;
    } catch {
      return sum; // no WAL yet
    }
  }, 0);
  // A WAL reader never blocks Bulwark's writer; it only holds a checkpoint back for the few ms it reads.
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const pages = Number(db.prepare('PRAGMA page_count').get()?.['page_count'] ?? Number.NaN);
    const pageBytes = Number(db.prepare('PRAGMA page_size').get()?.['page_size'] ?? Number.NaN);
    const rows = Number(db.prepare('SELECT count(*) AS n FROM monitor_results').get()?.['n'] ?? Number.NaN);
    return { fileBytes, logicalBytes: pages * pageBytes, rawResultBytes: rawResultBytes(db), rows };
  } finally {
    db.close();
  }
}

function rawResultBytes(db: DatabaseSync): number | undefined {
  try {
    const row = db
      .prepare(
        "SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name IN ('monitor_results', 'monitor_results_monitor_at')",
      )
      .get();
    return Number(row?.['bytes'] ?? Number.NaN);
  } catch {
    return undefined; // built without SQLITE_ENABLE_DBSTAT_VTAB
  }
}
