import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDurationMs, parsePercent } from '../src/core/units.ts';
import type { AlertingSettings } from './lib/alerting-bulwark.ts';
import { runFlap } from './lib/alerting-flap.ts';
import { runFlapping } from './lib/alerting-flapping.ts';
import { parseChurnPattern, planFlapping, type FlappingScenario } from './lib/alerting-flapping-plan.ts';
import { flappingSideBySide, flappingTable } from './lib/alerting-flapping-report.ts';
import { runLatency } from './lib/alerting-latency.ts';
import { flapTable, peerLatencyTable, peerStormTable, sideBySideTable } from './lib/alerting-peer-report.ts';
import { latencyTable, stormTable, stormTargetLines } from './lib/alerting-report.ts';
import { runStorm } from './lib/alerting-storm.ts';
import { runAlertmanagerFlapping } from './lib/alertmanager-flapping.ts';
import { runAlertmanagerFlap, runAlertmanagerLatency } from './lib/alertmanager-latency.ts';
import {
  alertmanagerInstallHint,
  alertmanagerVersion,
  findAlertmanager,
} from './lib/alertmanager-process.ts';
import { runAlertmanagerStorm } from './lib/alertmanager-storm.ts';
import { ChildSet, findCommand, isPinningAvailable } from './lib/children.ts';
import { benchArgs } from './lib/args.ts';

/**
 * Issue 6's alerting targets against a real `bulwark start`: HTTP monitors against a local upstream the bench
 * flips between 200 and 503, a webhook notifier to a local receiver that timestamps each request. Each
 * scenario then runs against a real Prometheus Alertmanager, the bench posting the alerts as Prometheus would.
 *   latency: one alert at a time fires and resolves; firing notice beyond group_wait, and resolution time.
 *   flap:    alerts that fire and resolve inside group_wait; is the receiver told at all, and when.
 *   storm:   N monitors of one component fail at once, then recover; notifications per group, none lost.
 *   flapping: monitors churn down/up for minutes (not in the default list: it takes about 6 min); how many
 *             notifications each side sends during the churn and after, and what they say.
 *   node bench/alerting.ts [--cycles 10] [--flaps 5] [--monitors 1000] [--group-wait 2s] [--group-interval 1m]
 *                          [--flap-group-wait 10s] [--scenarios latency,flap,storm] [--peer alertmanager|none]
 *                          [--flapping-patterns 2s/2s,3s/3s,20s/20s] [--flapping-monitors 5] [--flapping-churn 4m]
 *                          [--flapping-jitter 50%]
 *                          [--keep-temp]
 */

const { values } = benchArgs(import.meta.url, {
  options: {
    cycles: { type: 'string', default: '10' },
    flaps: { type: 'string', default: '5' },
    monitors: { type: 'string', default: '1000' },
    'group-wait': { type: 'string', default: '2s' },
    'group-interval': { type: 'string', default: '1m' },
    'flap-group-wait': { type: 'string', default: '10s' },
    'flapping-patterns': { type: 'string', default: '2s/2s,3s/3s,20s/20s' },
    'flapping-monitors': { type: 'string', default: '5' },
    'flapping-churn': { type: 'string', default: '4m' },
    'flapping-jitter': { type: 'string', default: '50%' },
    scenarios: { type: 'string', default: 'latency,flap,storm' },
    peer: { type: 'string', default: 'alertmanager' },
    'keep-temp': { type: 'boolean', default: false },
  },
});
const durationMs = (flag: 'group-wait' | 'group-interval' | 'flap-group-wait' | 'flapping-churn'): number => {
  const parsed = parseDurationMs(values[flag]);
  if (!parsed || parsed <= 0) throw new Error(`expected a duration for --${flag}, such as 2s`);
  return parsed;
};
const count = (flag: 'cycles' | 'flaps' | 'monitors' | 'flapping-monitors'): number => {
  const parsed = Number(values[flag]);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`expected a positive integer for --${flag}`);
  return parsed;
};
const knownScenarios = ['latency', 'flap', 'storm', 'flapping'];
const scenarios = new Set(values.scenarios.split(',').map((s) => s.trim()));
const unknown = [...scenarios].find((s) => !knownScenarios.includes(s));
if (unknown) throw new Error(`unknown scenario "${unknown}"; expected ${knownScenarios.join(',')}`);
if (values.peer !== 'alertmanager' && values.peer !== 'none')
  throw new Error(`unknown peer "${values.peer}"; expected alertmanager or none`);

// Monitors every second with small thresholds, so a cycle takes seconds; group_interval as in the example.
const settings: AlertingSettings = {
  intervalMs: 1_000,
  timeoutMs: 500,
  failureThreshold: 2,
  successThreshold: 2,
  groupWaitMs: durationMs('group-wait'),
  groupIntervalMs: durationMs('group-interval'),
};
// A flapping alert lives success_threshold checks (2 s): group_wait must outlast it (10 s: Bulwark's default).
const flapSettings: AlertingSettings = { ...settings, groupWaitMs: durationMs('flap-group-wait') };
// Planned before anything runs, so a bad flag fails at once rather than after the other scenarios.
const flappingScenario = scenarios.has('flapping') ? planFlappingScenario() : undefined;
// Bulwark, then Alertmanager, alone on core 0; the upstream, the receiver and this script on core 1.
const bulwarkCore = 0;
const benchCore = 1;
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// Read before pinSelf: once pinned, availableParallelism() counts only this script's core.
const coreCount = availableParallelism();
pinSelf(benchCore);
const peerBinary = values.peer === 'alertmanager' ? findAlertmanager() : undefined;
const peerVersion = peerBinary ? alertmanagerVersion(peerBinary) : '';
const children = new ChildSet();
const tempDir = mkdtempSync(join(tmpdir(), 'bulwark-bench-alerting-'));
const ctx = { children, core: bulwarkCore, tempDir, log };
const peerCtx = peerBinary ? { ...ctx, binary: peerBinary } : undefined;
const sections: string[] = [describeRun()];
if (values.peer === 'alertmanager' && !peerCtx) {
  sections.push(`alertmanager: skipped, not installed (to compare, install it: ${alertmanagerInstallHint})`);
}
try {
  const latency = scenarios.has('latency')
    ? {
        bulwark: await attempt('latency', () => runLatency(ctx, { settings, cycles: count('cycles') })),
        peer:
          peerCtx &&
          (await attempt('alertmanager latency', () =>
            runAlertmanagerLatency(peerCtx, { settings, cycles: count('cycles') }),
          )),
      }
    : undefined;
  if (latency?.bulwark) sections.push(latencyTable(latency.bulwark));
  if (latency?.peer) sections.push(peerLatencyTable(latency.peer, peerVersion));
  const flapScenario = { settings: flapSettings, flaps: count('flaps') };
  const flap = scenarios.has('flap')
    ? {
        bulwark: await attempt('flap', () => runFlap(ctx, flapScenario)),
        peer:
          peerCtx && (await attempt('alertmanager flap', () => runAlertmanagerFlap(peerCtx, flapScenario))),
      }
    : undefined;
  if (flap) {
    const sides = [
      ...(flap.bulwark ? [{ name: 'Bulwark', result: flap.bulwark }] : []),
      ...(flap.peer ? [{ name: `Alertmanager ${peerVersion}`, result: flap.peer }] : []),
    ];
    if (sides.length > 0) sections.push(flapTable(sides));
  }
  const stormScenario = { settings, monitorCount: count('monitors'), settleMs: 3_000 };
  const storm = scenarios.has('storm')
    ? {
        bulwark: await attempt('storm', () => runStorm(ctx, stormScenario)),
        peer:
          peerCtx &&
          (await attempt('alertmanager storm', () => runAlertmanagerStorm(peerCtx, stormScenario))),
      }
    : undefined;
  if (storm?.bulwark) sections.push(stormTable(storm.bulwark), stormTargetLines(storm.bulwark));
  if (storm?.peer) sections.push(peerStormTable(storm.peer, peerVersion));
  if (flappingScenario) await runFlappingSides(flappingScenario);
  if (peerCtx && (latency ?? flap ?? storm)) {
    const compared = { version: peerVersion, latency, flap, storm };
    sections.push(sideBySideTable(compared));
  }
  process.stdout.write(sections.join('\n\n') + '\n');
} finally {
  await children.killAll();
  if (values['keep-temp']) log(`configs, logs and databases kept in ${tempDir}`);
  else rmSync(tempDir, { recursive: true, force: true });
}

/**
 * Both sides at once: this scenario counts messages, not milliseconds, and each side alone takes about
 * 6 min. Bulwark's few monitors and Alertmanager's grouping barely use core 0 between them.
 */
async function runFlappingSides(scenario: FlappingScenario): Promise<void> {
  const [bulwark, peer] = await Promise.all([
    attempt('flapping', () => runFlapping(ctx, scenario)),
    peerCtx && attempt('alertmanager flapping', () => runAlertmanagerFlapping(peerCtx, scenario)),
  ]);
  const sides = [
    ...(bulwark ? [{ name: 'Bulwark', result: bulwark }] : []),
    ...(peer ? [{ name: `Alertmanager ${peerVersion}`, result: peer }] : []),
  ];
  if (sides.length > 0) sections.push(flappingTable(sides));
  if (bulwark && peer) sections.push(flappingSideBySide(bulwark, peer, peerVersion));
}

/** Each service's down/up phases, drawn once: both sides go through the same churn. */
function planFlappingScenario(): FlappingScenario {
  const jitter = parsePercent(values['flapping-jitter']);
  if (jitter === undefined || jitter >= 1)
    throw new Error('expected a percentage below 100% for --flapping-jitter');
  const targets = planFlapping({
    patterns: values['flapping-patterns'].split(',').map((text) => parseChurnPattern(text, jitter)),
    monitorsPerPattern: count('flapping-monitors'),
    churnMs: durationMs('flapping-churn'),
  });
  return { settings: flapSettings, targets };
}

/** Runs one side of a scenario; a failure becomes a line of the report, and the run goes on. */
async function attempt<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    sections.push(`${name}: failed: ${reason(error)}`);
    return undefined;
  }
}

/** Moves this script (every thread) to one core, so the upstream and receiver do not compete with Bulwark. */
function pinSelf(core: number): void {
  const taskset = isPinningAvailable ? findCommand('taskset') : undefined;
  if (taskset) spawnSync(taskset, ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
}

function describeRun(): string {
  const s = settings;
  const pinning = isPinningAvailable
    ? `Bulwark (then Alertmanager) on core ${bulwarkCore}; the upstream, the receivers and this script on core ${benchCore}`
    : 'none';
  const flags = [
    `--cycles ${count('cycles')} --flaps ${count('flaps')} --monitors ${count('monitors')}`,
    `--group-wait ${values['group-wait']} --group-interval ${values['group-interval']}`,
    `--flap-group-wait ${values['flap-group-wait']} --scenarios ${[...scenarios].join(',')} --peer ${values.peer}`,
    ...(scenarios.has('flapping')
      ? [
          `--flapping-patterns ${values['flapping-patterns']} --flapping-monitors ${count('flapping-monitors')} ` +
            `--flapping-churn ${values['flapping-churn']} --flapping-jitter ${values['flapping-jitter']}`,
        ]
      : []),
  ];
  const peer = peerBinary
    ? `Alertmanager ${peerVersion} (${peerBinary}), no cluster, the same group_by, group_wait, group_interval, ` +
      'repeat_interval 4h and a webhook receiver (send_resolved: true) to its own receiver; it runs on core ' +
      `${bulwarkCore} after Bulwark's side of each scenario (flapping: beside it). ` +
      'The bench plays Prometheus: POST /api/v2/alerts, ' +
      'firing alerts re-sent every 1 m with endsAt 4 m ahead, a resolved one with endsAt = now'
    : 'none';
  return [
    `- command: \`node bench/alerting.ts ${flags.join(' ')}\``,
    `- machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${coreCount} cores; pinning: ${pinning}; node ${process.version}; Bulwark at ${commit()}`,
    `- monitors: HTTP every ${s.intervalMs / 1000} s (timeout ${s.timeoutMs} ms), failure_threshold ${s.failureThreshold}, ` +
      `success_threshold ${s.successThreshold}, each on its own upstream path; alerting: group_by [component], ` +
      `group_wait ${s.groupWaitMs / 1000} s (flap: ${flapSettings.groupWaitMs / 1000} s), group_interval ` +
      `${s.groupIntervalMs / 1000} s, one route to a webhook notifier`,
    `- peer: ${peer}`,
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
