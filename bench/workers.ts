import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDurationMs } from '../src/core/units.ts';
import {
  bulwarkNodeFlags,
  ChildSet,
  findCommand,
  freePort,
  nodeBinary,
  waitForHttp,
  waitForListening,
} from './lib/children.ts';
import { groupCpuMs } from './lib/cpu.ts';
import { parseWrk, type LoadResult } from './lib/load.ts';
import { nginxLaunch } from './lib/peers.ts';
import { median } from './lib/report.ts';
import { benchArgs } from './lib/args.ts';

/**
 * All cores: Bulwark with 1 and 2 gateway workers against nginx with 1 and 2 worker processes, same
 * upstream, same wrk. Nothing is pinned: on a 2-core machine the proxy, the upstream and wrk share both
 * cores, as they would in production on one box. Reports throughput and proxy CPU seconds per 100k requests.
 *   node bench/workers.ts [--duration 8s] [--warmup 2s] [--rounds 3] [--connections 50]
 */

const { values } = benchArgs(import.meta.url, {
  options: {
    duration: { type: 'string', default: '8s' },
    warmup: { type: 'string', default: '2s' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
  },
});
const seconds = (text: string): number =>
  Math.max(1, Math.round((parseDurationMs(text) ?? Number.NaN) / 1000));
const durationS = seconds(values.duration);
const warmupS = seconds(values.warmup);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const wrk = findCommand('wrk');
if (!wrk) throw new Error('bench/workers.ts needs wrk (apt-get install wrk)');
const nginx = findCommand('nginx');
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const benchDir = fileURLToPath(new URL('.', import.meta.url));

interface Target {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
}

interface Round extends LoadResult {
  readonly cpuS: number;
  /** The upstream's CPU in the same window: on a small box it shows who else needed the cores. */
  readonly upstreamCpuS: number;
  readonly elapsedS: number;
}

const children = new ChildSet();
const tempDir = mkdtempSync(join(tmpdir(), 'bulwark-bench-workers-'));
try {
  const upstream = await startNode('upstream-minimal.ts', []);
  const targets: Target[] = [];
  for (const workers of [1, 2]) {
    const started = await startNode('bulwark-gateway.ts', [
      '--upstream',
      upstream.url,
      '--workers',
      `${workers}`,
    ]);
    targets.push({ name: `Bulwark, ${workers} worker${workers > 1 ? 's' : ''}`, ...started });
    if (nginx)
      targets.push({
        name: `nginx, ${workers} worker${workers > 1 ? 's' : ''}`,
        ...(await startNginx(upstream.url, workers)),
      });
  }
  if (!nginx) log('nginx: skipped (not installed)');
  for (const target of targets) signal(target.pid, 'SIGSTOP');
  const results = new Map<string, Round[]>(targets.map((t) => [t.name, []]));
  log(
    `measuring: ${rounds} rounds × ${durationS} s per target, about ${Math.ceil((targets.length * rounds * (durationS + warmupS)) / 60)} min`,
  );
  // Rounds interleave the targets so that drift over the run spreads over all of them.
  for (let round = 1; round <= rounds; round++) {
    for (const target of targets) {
      signal(target.pid, 'SIGCONT');
      await runWrk(target.url, warmupS);
      const result = await measure(target, upstream.pid);
      results.get(target.name)?.push(result);
      log(
        `round ${round} ${target.name}: ${Math.round(result.requestsPerS)} req/s, p99 ${result.p99Ms.toFixed(2)} ms, ` +
          `${(result.cpuS / result.elapsedS).toFixed(2)} cores, ${cpuPer100k(result).toFixed(2)} CPU s/100k`,
      );
      signal(target.pid, 'SIGSTOP');
    }
  }
  process.stdout.write(`${describeRun()}\n\n${table(targets, results)}\n`);
} finally {
  await children.killAll();
  rmSync(tempDir, { recursive: true, force: true });
}

async function startNode(script: string, args: string[]): Promise<{ url: string; pid: number }> {
  const child = children.spawn(nodeBinary, [...bulwarkNodeFlags, join(benchDir, script), ...args]);
  return { url: await waitForListening(child, 15_000), pid: child.pid ?? 0 };
}

async function startNginx(upstreamUrl: string, workers: number): Promise<{ url: string; pid: number }> {
  const dir = mkdtempSync(join(tempDir, `nginx-${workers}-`));
  const peer = nginxLaunch({ binary: nginx ?? 'nginx', dir, port: await freePort(), upstreamUrl, workers });
  const child = children.spawn(peer.command, peer.args, ['ignore', peer.logFd, peer.logFd]);
  await waitForHttp(peer.url, 15_000);
  return { url: peer.url, pid: child.pid ?? 0 };
}

async function measure(target: Target, upstreamPid: number): Promise<Round> {
  const cpuMs = (): [number, number] => [groupCpuMs(target.pid) ?? NaN, groupCpuMs(upstreamPid) ?? NaN];
  const [before, upstreamBefore] = cpuMs();
  const startMs = performance.now();
  const result = await runWrk(target.url, durationS);
  const elapsedS = (performance.now() - startMs) / 1000;
  const [after, upstreamAfter] = cpuMs();
  return {
    ...result,
    cpuS: (after - before) / 1000,
    upstreamCpuS: (upstreamAfter - upstreamBefore) / 1000,
    elapsedS,
  };
}

async function runWrk(url: string, forS: number): Promise<LoadResult> {
  const child = children.spawn(wrk ?? 'wrk', ['-t2', `-c${connections}`, `-d${forS}s`, '--latency', url]);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`wrk failed with exit ${code}`);
  return parseWrk(stdout);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(-pid, name);
  } catch {
    // the group is gone; the round will fail and say so
  }
}

function cpuPer100k(round: Round): number {
  return (round.cpuS / round.totalRequests) * 100_000;
}

function table(targets: readonly Target[], results: ReadonlyMap<string, Round[]>): string {
  const nginx2 = median(results.get('nginx, 2 workers')?.map((r) => r.requestsPerS) ?? []);
  const rows = targets.map((target) => {
    const runs = results.get(target.name) ?? [];
    const rps = median(runs.map((r) => r.requestsPerS));
    const errors = runs.reduce((sum, r) => sum + r.badResponses + r.socketErrors, 0);
    return [
      target.name,
      Math.round(rps).toLocaleString('en-US'),
      Number.isNaN(nginx2) ? '—' : `${(rps / nginx2).toFixed(2)}×`,
      `${median(runs.map((r) => r.p50Ms)).toFixed(2)} ms`,
      `${median(runs.map((r) => r.p99Ms)).toFixed(2)} ms`,
      median(runs.map((r) => r.cpuS / r.elapsedS)).toFixed(2),
      median(runs.map((r) => r.upstreamCpuS / r.elapsedS)).toFixed(2),
      median(runs.map(cpuPer100k)).toFixed(2),
      String(errors),
    ];
  });
  const header = [
    'target',
    'req/s (median)',
    'vs nginx, 2 workers',
    'p50',
    'p99',
    'proxy cores used',
    'upstream cores used',
    'proxy CPU s per 100k req',
    'errors',
  ];
  return [header, header.map((_, i) => (i === 0 || i === header.length - 1 ? '---' : '--:')), ...rows]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
}

function describeRun(): string {
  return [
    `- command: \`node bench/workers.ts --duration ${durationS}s --warmup ${warmupS}s --rounds ${rounds} --connections ${connections}\``,
    `- machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, nothing pinned; load: wrk -t2 -c${connections}`,
  ].join('\n');
}
