import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDurationMs } from '../src/core/units.ts';
import { ChildSet, isPinningAvailable } from './lib/children.ts';
import { latenessMetric, runScenario, type Scenario, type ScenarioResult } from './lib/monitor-scenario.ts';
import { failedLines, peerLines, scenarioTable, targetLines } from './lib/monitors-report.ts';
import { benchArgs } from './lib/args.ts';

/**
 * Synthetic monitors at scale: 10,000 HTTP monitors every 30 s, then 1,000 every 1 s, against a local target.
 * Reports schedule lateness, Bulwark's CPU and RSS, checks run against checks due, and database growth.
 * `--scrape-every 15s` adds a Prometheus-like scraper, whose scrapes block the event loop like any other work.
 *   node bench/monitors.ts [--duration-10k 150s] [--duration-1k 60s] [--scenarios 10k,1k] [--scrape-every 15s]
 *                          [--keep-temp]
 */

const { values } = benchArgs(import.meta.url, {
  options: {
    'duration-10k': { type: 'string', default: '150s' },
    'duration-1k': { type: 'string', default: '60s' },
    scenarios: { type: 'string', default: '10k,1k' },
    'scrape-every': { type: 'string' },
    'keep-temp': { type: 'boolean', default: false },
  },
});
const durationMs = (flag: 'duration-10k' | 'duration-1k' | 'scrape-every'): number => {
  const parsed = parseDurationMs(values[flag] ?? '');
  if (!parsed || parsed <= 0) throw new Error(`expected a duration for --${flag}, such as 150s`);
  return parsed;
};

// Off by default: the two measuring scrapes are the only ones, so lateness shows the scheduler alone.
const scrapeEveryMs = values['scrape-every'] === undefined ? undefined : durationMs('scrape-every');
// Warm-up: one interval, so every monitor has been scheduled once; at least 10 s, for the JIT and the pools.
const minWarmupMs = 10_000;
const scenarioKinds: Record<string, Scenario> = {
  '10k': {
    key: '10k',
    monitorCount: 10_000,
    intervalMs: 30_000,
    timeoutMs: 5_000,
    warmupMs: Math.max(30_000, minWarmupMs),
    windowMs: durationMs('duration-10k'),
    scrapeEveryMs,
  },
  '1k': {
    key: '1k',
    monitorCount: 1_000,
    intervalMs: 1_000,
    timeoutMs: 800,
    warmupMs: Math.max(1_000, minWarmupMs),
    windowMs: durationMs('duration-1k'),
    scrapeEveryMs,
  },
};
const keys = values.scenarios.split(',').map((key) => key.trim());
const unknown = keys.find((key) => !Object.hasOwn(scenarioKinds, key));
if (unknown)
  throw new Error(`unknown scenario "${unknown}"; expected ${Object.keys(scenarioKinds).join(',')}`);

// Bulwark alone on core 0; the target (and this script, which mostly sleeps) on core 1.
const bulwarkCore = 0;
const targetCore = 1;
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const children = new ChildSet();
const tempDir = mkdtempSync(join(tmpdir(), 'bulwark-bench-monitors-'));
try {
  const plan = keys.map((key) => scenarioKinds[key]).filter((s) => s !== undefined);
  const totalS = plan.reduce((sum, s) => sum + (s.warmupMs + s.windowMs) / 1000 + 15, 0);
  log(`${plan.length} scenarios, about ${Math.ceil(totalS / 60)} min`);
  const sections: string[] = [];
  const results: ScenarioResult[] = [];
  for (const scenario of plan) {
    try {
      const result = await runScenario({ children, tempDir, bulwarkCore, targetCore, log }, scenario);
      results.push(result);
      sections.push(scenarioTable(result), targetLines(result));
    } catch (error) {
      log(`${scenario.key}: failed: ${reason(error)}`);
      sections.push(failedLines(scenario.key, reason(error)));
    }
  }
  writeFileSync(join(tempDir, 'results.json'), JSON.stringify(results));
  process.stdout.write([describeRun(plan), ...sections, peerLines(results)].join('\n\n') + '\n');
} finally {
  await children.killAll();
  if (values['keep-temp']) log(`configs, logs, databases and results.json kept in ${tempDir}`);
  else rmSync(tempDir, { recursive: true, force: true });
}

function describeRun(plan: readonly Scenario[]): string {
  const pinning = isPinningAvailable
    ? `Bulwark on core ${bulwarkCore}; the target and this script on core ${targetCore}`
    : 'none';
  const flags = [
    `--duration-10k ${durationMs('duration-10k') / 1000}s --duration-1k ${durationMs('duration-1k') / 1000}s`,
    `--scenarios ${keys.join(',')}`,
    ...(scrapeEveryMs === undefined ? [] : [`--scrape-every ${scrapeEveryMs / 1000}s`]),
  ];
  return [
    `- command: \`node bench/monitors.ts ${flags.join(' ')}\``,
    `- machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; pinning: ${pinning}; node ${process.version}; Bulwark at ${commit()}`,
    `- scenarios: ${plan.map((s) => `${s.monitorCount.toLocaleString('en-US')} HTTP monitors @ ${s.intervalMs / 1000} s (timeout ${s.timeoutMs} ms), warm-up ${s.warmupMs / 1000} s, window ${s.windowMs / 1000} s`).join('; ')}`,
    '- Bulwark: `bulwark start -c FILE` with `--max-semi-space-size=32`, logging at warn, one fresh data_dir per scenario; ' +
      'each check opens a fresh connection to a node:http target answering `200 ok` (`assert: [ status == 200 ]`)',
    `- lateness: \`${latenessMetric}\` scraped at the window's start and end, percentiles of the difference ` +
      'interpolated inside buckets 0, 1, 5, 10, 25, 50, 100, 250, 500 ms, 1, 2.5, 5, 10 s: a value is only as ' +
      'exact as its bucket; "≤ 250 ms" is exact, 250 ms being a bound',
    "- CPU: utime + stime of Bulwark's process group from /proc over the window; RSS: VmRSS summed over the " +
      "group, sampled every second; checks run: the target's own request count; database: bulwark.db + -wal " +
      "sizes, page_count × page_size and the raw results' pages (dbstat) at the window's start and end, " +
      'extrapolated linearly to a day',
  ].join('\n');
}

/** The commit measured, marked when the tree has uncommitted changes under src/. */
function commit(): string {
  const git = (...args: string[]): string => spawnSync('git', args, { encoding: 'utf8' }).stdout.trim();
  const head = git('rev-parse', '--short', 'HEAD') || 'unknown commit';
  return git('status', '--porcelain', '--', 'src') ? `${head} + uncommitted src/ changes` : head;
}
