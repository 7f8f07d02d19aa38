import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDurationMs } from '../src/core/units.ts';
import { ChildSet, findCommand, isPinningAvailable } from './lib/children.ts';
import { defaultLoadGenerator, runLoad, type LoadGenerator, type LoadResult } from './lib/load.ts';
import { markdownTable, pairedSummary, type RoundResult, type TargetRun } from './lib/report.ts';
import { groupCpuMs } from './lib/cpu.ts';
import {
  fixedRateCaption,
  fixedRateRoundLine,
  fixedRateTable,
  measureFixedRate,
  type FixedRateRun,
} from './lib/fixed-rate.ts';
import {
  benchTargets,
  SkippedError,
  startNodeScript,
  type StartedTarget,
  type Target,
} from './lib/targets.ts';
import { benchArgs } from './lib/args.ts';

/**
 * Proxy overhead, side by side against one upstream: direct, Bulwark, a bare undici forwarder (the Node
 * floor), @fastify/http-proxy, nginx and HAProxy. Proxies are pinned to core 0; the upstream and the load
 * generator to core 1.
 * First closed loop at saturation (throughput), then open loop at a fixed rate below it (added latency).
 *   node bench/proxy.ts [--duration 10s] [--connections 50] [--rounds 5] [--warmup 2s]
 *                       [--rate 10000 (req/s; 0: saturation only)] [--only nginx,HAProxy]
 *                       [--load wrk|node] [--fresh] [--keep-temp]
 * --fresh: each fixed-rate round starts every target anew, so the table measures processes that have not
 *          just run saturated or sat frozen; without it the saturation rounds' processes are reused.
 */

const { values } = benchArgs(import.meta.url, {
  options: {
    duration: { type: 'string', default: '10s' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2s' },
    rate: { type: 'string', default: '10000' },
    only: { type: 'string' },
    load: { type: 'string', default: defaultLoadGenerator },
    fresh: { type: 'boolean', default: false },
    'keep-temp': { type: 'boolean', default: false },
  },
});

const seconds = (text: string): number =>
  Math.max(1, Math.round((parseDurationMs(text) ?? Number.NaN) / 1000));
const durationS = seconds(values.duration);
const warmupS = seconds(values.warmup);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const ratePerS = Number(values.rate);
if (![durationS, warmupS, connections, rounds].every((n) => Number.isInteger(n) && n > 0))
  throw new Error('expected --duration 10s --warmup 2s --connections 50 --rounds 5 (positive values)');
if (!Number.isFinite(ratePerS) || ratePerS < 0) throw new Error('expected --rate 10000 (req/s, 0 for none)');
if (values.load !== 'wrk' && values.load !== 'node') throw new Error('expected --load wrk or --load node');
const generator: LoadGenerator = values.load;

const proxyCore = 0;
const loadCore = 1; // shared with the upstream, leaving core 0 to the proxy under test
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const children = new ChildSet();
const tempDir = mkdtempSync(join(tmpdir(), 'bulwark-bench-'));
try {
  const { url: upstreamUrl } = await startNodeScript(children, loadCore, 'upstream-minimal.ts', []);
  const wanted = values.only?.split(',').map((name) => name.trim().toLowerCase());
  const targets = benchTargets({ children, upstreamUrl, tempDir, proxyCore }).filter(
    (t) => !wanted || wanted.includes(t.name.toLowerCase()),
  );
  const runs = await startAll(targets, upstreamUrl);
  const loads = ratePerS > 0 ? 2 : 1; // saturation, then the fixed rate
  const totalS = runs.filter((r) => !r.run.failure).length * rounds * (durationS + warmupS) * loads;
  const totalMin = Math.ceil(totalS / 60);
  log(`measuring: ${rounds} rounds × ${loads} × ${durationS} s per target, about ${totalMin} min`);
  const saturation = runs.map(({ run, started }) => ({ row: run, started }));
  for (let round = 1; round <= rounds; round++) await measureRound(saturation, round, measureSaturation);
  const saturationRuns = runs.map((r) => r.run);
  process.stdout.write(`${describeMachine()}\n\n${markdownTable(saturationRuns)}\n`);
  const paired = pairedSummary(saturationRuns, 'Bulwark');
  if (paired) process.stdout.write(`\n${paired}\n`);
  if (ratePerS > 0) {
    const setup = { ratePerS, connections, rounds, durationS, warmupS };
    const measured = values.fresh
      ? await measureFixedRateFresh(targets, runs)
      : await measureFixedRateRounds(runs);
    const processes = values.fresh ? 'Each round started every target anew.' : 'Same processes as above.';
    process.stdout.write(`\n${fixedRateCaption(setup)} ${processes}\n\n${fixedRateTable(measured)}\n`);
  }
} finally {
  await children.killAll();
  if (values['keep-temp']) log(`configs and logs kept in ${tempDir}`);
  else rmSync(tempDir, { recursive: true, force: true });
}

interface LiveRun {
  readonly run: TargetRun;
  readonly started: StartedTarget;
}

async function startAll(targets: readonly Target[], upstreamUrl: string): Promise<LiveRun[]> {
  const runs: LiveRun[] = [];
  for (const target of targets) {
    const run: TargetRun = { name: target.name, rounds: [] };
    try {
      const started = await target.start();
      if (started.process) children.freeze(started.process);
      log(`${target.name}: ready at ${started.url}${started.process ? ` → ${upstreamUrl}` : ''}`);
      runs.push({ run, started });
    } catch (error) {
      run.failure = `${error instanceof SkippedError ? 'skipped' : 'failed'}: ${reason(error)}`;
      log(`${target.name}: ${run.failure}`);
      runs.push({ run, started: { url: '' } });
    }
  }
  return runs;
}

interface Row {
  readonly name: string;
  failure?: string | undefined;
}

interface Measured<R extends Row> {
  readonly row: R;
  readonly started: StartedTarget;
}

// Rounds interleave the targets so that drift over the run (thermal, noisy neighbours) spreads over all of them.
async function measureRound<R extends Row>(
  targets: readonly Measured<R>[],
  round: number,
  measure: (row: R, started: StartedTarget, round: number) => Promise<void>,
): Promise<void> {
  for (const { row, started } of targets) {
    if (row.failure) continue;
    if (started.process) children.thaw(started.process);
    try {
      await measure(row, started, round);
    } catch (error) {
      row.failure = `failed in round ${round}: ${reason(error)}`;
      log(`${row.name}: ${row.failure}`);
    }
    if (started.process) children.freeze(started.process);
  }
}

async function measureFixedRateRounds(runs: readonly LiveRun[]): Promise<FixedRateRun[]> {
  // A target that failed at saturation keeps its reason here rather than being driven again.
  const fixedRate = runs.map(({ run, started }) => {
    const row: FixedRateRun = { name: run.name, rounds: [], failure: run.failure };
    return { row, started };
  });
  for (let round = 1; round <= rounds; round++) await measureRound(fixedRate, round, measureAtFixedRate);
  return fixedRate.map((r) => r.row);
}

/**
 * As measureFixedRateRounds, but each round runs on a newly started process per target: what the table
 * then shows cannot come from what the saturated rounds, or the time spent frozen, left in a process.
 */
async function measureFixedRateFresh(
  targets: readonly Target[],
  runs: readonly LiveRun[],
): Promise<FixedRateRun[]> {
  for (const { started } of runs) if (started.process) await children.kill(started.process);
  const rows = runs.map(({ run }): FixedRateRun => ({ name: run.name, rounds: [], failure: run.failure }));
  for (let round = 1; round <= rounds; round++) {
    for (const [i, target] of targets.entries()) {
      const row = rows[i];
      if (!row || row.failure) continue;
      let started: StartedTarget | undefined;
      try {
        started = await target.start();
        await measureAtFixedRate(row, started, round);
      } catch (error) {
        row.failure = `failed in fresh round ${round}: ${reason(error)}`;
        log(`${row.name}: ${row.failure}`);
      } finally {
        if (started?.process) await children.kill(started.process);
      }
    }
  }
  return rows;
}

async function measureSaturation(run: TargetRun, started: StartedTarget, round: number): Promise<void> {
  const plan = { url: started.url, durationS: warmupS, connections, core: loadCore, generator };
  // Warm-up each round: JIT, pools and sockets settle again after the target sat frozen.
  await runLoad(plan, children);
  const result = await measureWithCpu(started, () => runLoad({ ...plan, durationS }, children));
  run.rounds.push(result);
  logRound(run.name, round, result);
}

async function measureAtFixedRate(run: FixedRateRun, started: StartedTarget, round: number): Promise<void> {
  const result = await measureFixedRate(children, {
    url: started.url,
    ratePerS,
    warmupMs: warmupS * 1000,
    durationMs: durationS * 1000,
    connections,
    core: loadCore,
  });
  run.rounds.push(result);
  log(fixedRateRoundLine(run.name, `${round}/${rounds}`, result));
}

async function measureWithCpu(started: StartedTarget, load: () => Promise<LoadResult>): Promise<RoundResult> {
  const pid = started.process?.pid;
  const cpuBeforeMs = pid === undefined ? undefined : groupCpuMs(pid);
  const startMs = performance.now();
  const result = await load();
  const elapsedMs = performance.now() - startMs;
  const cpuAfterMs = pid === undefined ? undefined : groupCpuMs(pid);
  const isMeasured = cpuBeforeMs !== undefined && cpuAfterMs !== undefined;
  return { ...result, proxyCpuShare: isMeasured ? (cpuAfterMs - cpuBeforeMs) / elapsedMs : undefined };
}

function logRound(name: string, round: number, result: RoundResult): void {
  const errors = result.badResponses + result.socketErrors;
  log(
    `round ${round}/${rounds} ${name}: ${Math.round(result.requestsPerS)} req/s, ` +
      `p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms` +
      (result.proxyCpuShare === undefined ? '' : `, proxy CPU ${Math.round(result.proxyCpuShare * 100)}%`) +
      (errors ? `, ${errors} errors` : ''),
  );
}

function versionOf(command: string, args: string[]): string {
  const path = findCommand(command);
  if (!path) return 'absent';
  const out = spawnSync(path, args, { encoding: 'utf8' });
  return `${out.stdout}${out.stderr}`.trim().split('\n')[0] ?? '?';
}

function fastifyProxyVersion(): string {
  const manifest = new URL('../node_modules/@fastify/http-proxy/package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

function describeMachine(): string {
  const pinning = isPinningAvailable
    ? `proxy on core ${proxyCore}; upstream and load generator on core ${loadCore}`
    : 'none';
  return [
    `- command: \`node bench/proxy.ts --duration ${durationS}s --connections ${connections} --rounds ${rounds} --warmup ${warmupS}s --rate ${ratePerS} --load ${generator}${values.fresh ? ' --fresh' : ''}\``,
    `- machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; pinning: ${pinning}`,
    `- load: ${generator === 'wrk' ? `wrk -t1 -c${connections} -d${durationS}s --latency` : `Node/undici generator (lower ceiling than wrk)`}, GET /, ~30-byte body`,
    `- node ${process.version}; @fastify/http-proxy ${fastifyProxyVersion()}; ${versionOf('nginx', ['-v'])}; ${versionOf('haproxy', ['-v'])}; ${versionOf('wrk', ['--version'])}`,
    `- median of ${rounds} rounds per target; rounds interleave targets`,
  ].join('\n');
}
