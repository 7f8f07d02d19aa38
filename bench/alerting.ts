import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../src/core/units.ts';
import type { AlertingSettings } from './lib/alerting-bulwark.ts';
import { runLatency } from './lib/alerting-latency.ts';
import { latencyTable, stormTable, stormTargetLines } from './lib/alerting-report.ts';
import { runStorm } from './lib/alerting-storm.ts';
import { ChildSet, findCommand, isPinningAvailable } from './lib/children.ts';

/**
 * Issue 6's alerting targets against a real `bulwark start`: HTTP monitors against a local upstream the bench
 * flips between 200 and 503, a webhook notifier to a local receiver that timestamps each request.
 *   latency: one monitor at a time goes down and up; firing notice beyond group_wait, and resolution time.
 *   storm:   N monitors of one component fail at once, then recover; notifications per group, none lost.
 *   node bench/alerting.ts [--cycles 10] [--monitors 1000] [--group-wait 2s] [--group-interval 1m]
 *                          [--scenarios latency,storm] [--keep-temp]
 */

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '10' },
    monitors: { type: 'string', default: '1000' },
    'group-wait': { type: 'string', default: '2s' },
    'group-interval': { type: 'string', default: '1m' },
    scenarios: { type: 'string', default: 'latency,storm' },
    'keep-temp': { type: 'boolean', default: false },
  },
});
const durationMs = (flag: 'group-wait' | 'group-interval'): number => {
  const parsed = parseDurationMs(values[flag]);
  if (!parsed || parsed <= 0) throw new Error(`expected a duration for --${flag}, such as 2s`);
  return parsed;
};
const count = (flag: 'cycles' | 'monitors'): number => {
  const parsed = Number(values[flag]);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`expected a positive integer for --${flag}`);
  return parsed;
};
const scenarios = new Set(values.scenarios.split(',').map((s) => s.trim()));
const unknown = [...scenarios].find((s) => s !== 'latency' && s !== 'storm');
if (unknown) throw new Error(`unknown scenario "${unknown}"; expected latency,storm`);

// Monitors every second with small thresholds, so a cycle takes seconds; group_interval as in the example.
const settings: AlertingSettings = {
  intervalMs: 1_000,
  timeoutMs: 500,
  failureThreshold: 2,
  successThreshold: 2,
  groupWaitMs: durationMs('group-wait'),
  groupIntervalMs: durationMs('group-interval'),
};
// Bulwark alone on core 0; the upstream, the receiver and this script on core 1.
const bulwarkCore = 0;
const benchCore = 1;
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// Read before pinSelf: once pinned, availableParallelism() counts only this script's core.
const coreCount = availableParallelism();
pinSelf(benchCore);
const children = new ChildSet();
const tempDir = mkdtempSync(join(tmpdir(), 'bulwark-bench-alerting-'));
const ctx = { children, core: bulwarkCore, tempDir, log };
const sections: string[] = [describeRun()];
try {
  if (scenarios.has('latency')) {
    try {
      sections.push(latencyTable(await runLatency(ctx, { settings, cycles: count('cycles') })));
    } catch (error) {
      sections.push(`latency: failed: ${reason(error)}`);
    }
  }
  if (scenarios.has('storm')) {
    try {
      const storm = await runStorm(ctx, { settings, monitorCount: count('monitors'), settleMs: 3_000 });
      sections.push(stormTable(storm), stormTargetLines(storm));
    } catch (error) {
      sections.push(`storm: failed: ${reason(error)}`);
    }
  }
  process.stdout.write(sections.join('\n\n') + '\n');
} finally {
  await children.killAll();
  if (values['keep-temp']) log(`configs, logs and databases kept in ${tempDir}`);
  else rmSync(tempDir, { recursive: true, force: true });
}

/** Moves this script (every thread) to one core, so the upstream and receiver do not compete with Bulwark. */
function pinSelf(core: number): void {
  const taskset = isPinningAvailable ? findCommand('taskset') : undefined;
  if (taskset) spawnSync(taskset, ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
}

function describeRun(): string {
  const s = settings;
  const pinning = isPinningAvailable
    ? `Bulwark on core ${bulwarkCore}; the upstream, the webhook receiver and this script on core ${benchCore}`
    : 'none';
  const flags = [
    `--cycles ${count('cycles')} --monitors ${count('monitors')}`,
    `--group-wait ${values['group-wait']} --group-interval ${values['group-interval']}`,
    `--scenarios ${[...scenarios].join(',')}`,
  ];
  return [
    `- command: \`node bench/alerting.ts ${flags.join(' ')}\``,
    `- machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${coreCount} cores; pinning: ${pinning}; node ${process.version}; Bulwark at ${commit()}`,
    `- monitors: HTTP every ${s.intervalMs / 1000} s (timeout ${s.timeoutMs} ms), failure_threshold ${s.failureThreshold}, ` +
      `success_threshold ${s.successThreshold}, each on its own upstream path; alerting: group_by [component], ` +
      `group_wait ${s.groupWaitMs / 1000} s, group_interval ${s.groupIntervalMs / 1000} s, one route to a webhook notifier`,
    '- crossing check: the failure_threshold-th 503 (or success_threshold-th 200) the upstream answered that ' +
      "monitor's path after the flip, timed at its arrival; webhook times are when a request's body had fully arrived",
  ].join('\n');
}

/** The commit measured, marked when the tree has uncommitted changes under src/. */
function commit(): string {
  const git = (...args: string[]): string => spawnSync('git', args, { encoding: 'utf8' }).stdout.trim();
  const head = git('rev-parse', '--short', 'HEAD') || 'unknown commit';
  return git('status', '--porcelain', '--', 'src') ? `${head} + uncommitted src/ changes` : head;
}
