import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDurationMs } from '../src/core/units.ts';
import { ChildSet, findCommand, isPinningAvailable } from './lib/children.ts';
import { runOpenLoopChild, type PhasePlan } from './lib/open-loop.ts';
import {
  startBulwarkPeer,
  startCapacityUpstream,
  startNginxPeer,
  type PeerContext,
  type RunningPeer,
} from './lib/overload-peers.ts';
import {
  generatorTable,
  phaseNames,
  phaseTable,
  recoveryTable,
  targetLines,
  type PeerResult,
} from './lib/overload-report.ts';
import { SkippedError } from './lib/targets.ts';
import { benchArgs } from './lib/args.ts';

/**
 * Survive overload: an upstream with a fixed capacity (slots × service) driven open-loop at 0.25×, 1×, 2×
 * and 4× capacity, then back to 1×, through Bulwark with adaptive concurrency, Bulwark with no limits and
 * nginx. Reports goodput, admitted and rejection latency, and the time to full throughput after the drop.
 *   node bench/overload.ts [--phase-duration 20s] [--recovery 10s] [--slots 32] [--service 20ms]
 *                          [--peers adaptive,unlimited,nginx] [--capacity-check] [--keep-temp]
 */

/** The pool under test. Tune the adaptive limiter here (`adaptive_concurrency:` takes its knobs). */
const adaptivePoolYaml = `
  max_connections_per_endpoint: 256
  concurrency: adaptive
  queue: { max: 16, timeout: 50ms }
`;

/** The same pool with nothing to protect the upstream: every request goes through and waits there. */
const unlimitedPoolYaml = `
  max_connections_per_endpoint: 4096
`;

const { values } = benchArgs(import.meta.url, {
  options: {
    'phase-duration': { type: 'string', default: '20s' },
    recovery: { type: 'string', default: '10s' },
    slots: { type: 'string', default: '32' },
    service: { type: 'string', default: '20ms' },
    peers: { type: 'string', default: 'adaptive,unlimited,nginx' },
    'capacity-check': { type: 'boolean', default: false },
    connections: { type: 'string', default: '2048' },
    timeout: { type: 'string', default: '10s' },
    'keep-temp': { type: 'boolean', default: false },
  },
});
const phaseMs = parseDurationMs(values['phase-duration']) ?? Number.NaN;
const recoveryMs = parseDurationMs(values.recovery) ?? Number.NaN;
const serviceMs = parseDurationMs(values.service) ?? Number.NaN;
const timeoutMs = parseDurationMs(values.timeout) ?? Number.NaN;
const slots = Number(values.slots);
const connections = Number(values.connections);
if (![phaseMs, recoveryMs, serviceMs, timeoutMs, slots, connections].every((n) => n > 0))
  throw new Error(
    'expected positive --phase-duration, --recovery, --service, --timeout, --slots, --connections',
  );
const capacityPerS = (slots * 1000) / serviceMs;

const peerKinds = {
  adaptive: {
    name: 'Bulwark, adaptive',
    start: (ctx: PeerContext) => startBulwarkPeer(ctx, adaptivePoolYaml),
  },
  unlimited: {
    name: 'Bulwark, no limits',
    start: (ctx: PeerContext) => startBulwarkPeer(ctx, unlimitedPoolYaml),
  },
  nginx: { name: 'nginx', start: (ctx: PeerContext) => startNginxPeer(ctx, connections) },
} as const;
type PeerKey = keyof typeof peerKinds;
const peerKeys = values.peers.split(',').map((key) => key.trim());
const unknownPeer = peerKeys.find((key) => !Object.hasOwn(peerKinds, key));
if (unknownPeer)
  throw new Error(`unknown peer "${unknownPeer}"; expected ${Object.keys(peerKinds).join(',')}`);

const plan: PhasePlan[] = [
  // JIT, connection pools and the adaptive limiter's latency baseline settle before anything is measured.
  { name: phaseNames.warmUp, ratePerS: 0.5 * capacityPerS, durationMs: 2_000 },
  { name: phaseNames.unloaded, ratePerS: 0.25 * capacityPerS, durationMs: 5_000 },
  { name: '1×', ratePerS: capacityPerS, durationMs: phaseMs },
  { name: '2×', ratePerS: 2 * capacityPerS, durationMs: phaseMs },
  { name: phaseNames.overload, ratePerS: 4 * capacityPerS, durationMs: phaseMs },
  { name: phaseNames.recovery, ratePerS: capacityPerS, durationMs: recoveryMs, trace: true },
];

const proxyCore = 0;
const loadCore = 1; // shared by the upstream and the load generator, as in bench/proxy.ts
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const children = new ChildSet();
const tempDir = mkdtempSync(join(tmpdir(), 'bulwark-bench-overload-'));
try {
  const planS = plan.reduce((sum, p) => sum + p.durationMs, 0) / 1000;
  log(
    `${peerKeys.length} peers × ${Math.round(planS)} s of load, about ${Math.ceil((peerKeys.length * (planS + 8)) / 60)} min`,
  );
  const capacityLine = values['capacity-check'] ? await checkCapacity() : undefined;
  const results: PeerResult[] = [];
  for (const key of peerKeys as PeerKey[]) results.push(await measurePeer(key));
  writeFileSync(join(tempDir, 'results.json'), JSON.stringify(results));
  const adaptive = results.find((r) => r.name === peerKinds.adaptive.name);
  process.stdout.write(
    [
      describeRun(capacityLine),
      phaseTable(results, capacityPerS),
      recoveryTable(results, capacityPerS),
      targetLines(adaptive, capacityPerS),
      `Load generator (latency counts from the scheduled send, so lateness is included, not hidden):\n\n${generatorTable(results)}`,
    ].join('\n\n') + '\n',
  );
} finally {
  await children.killAll();
  if (values['keep-temp']) log(`configs, logs and results.json kept in ${tempDir}`);
  else rmSync(tempDir, { recursive: true, force: true });
}

/** A fresh upstream per peer, so a queue one peer left behind never slows the next. */
async function measurePeer(key: PeerKey): Promise<PeerResult> {
  const { name, start } = peerKinds[key];
  let upstream: RunningPeer | undefined;
  let peer: RunningPeer | undefined;
  try {
    upstream = await startCapacityUpstream(children, loadCore, slots, serviceMs);
    peer = await start({ children, core: proxyCore, dir: join(tempDir, key), upstreamUrl: upstream.url });
    log(`${name}: ready at ${peer.url} → ${upstream.url}`);
    const summary = await runOpenLoopChild(children, loadCore, {
      url: peer.url,
      phases: plan,
      connections,
      timeoutMs,
    });
    for (const p of summary.phases)
      log(
        `  ${p.name}: goodput ${Math.round(p.goodputPerS)}/s, admitted p99 ${p.ok.p99Ms.toFixed(1)} ms, ` +
          `${p.rejected.count} rejected (p50 ${p.rejected.p50Ms.toFixed(2)} ms), ${p.timeouts} timeouts`,
      );
    log(`  upstream: ${await upstreamStats(upstream.url)}`);
    return { name, summary };
  } catch (error) {
    const failure = `${error instanceof SkippedError ? 'skipped' : 'failed'}: ${reason(error)}`;
    log(`${name}: ${failure}`);
    return { name, failure };
  } finally {
    if (peer) await children.kill(peer.process);
    if (upstream) await children.kill(upstream.process);
  }
}

/** Drives the upstream directly, past its knee, to show it delivers the capacity the tables divide by. */
async function checkCapacity(): Promise<string> {
  const upstream = await startCapacityUpstream(children, loadCore, slots, serviceMs);
  try {
    const phases: PhasePlan[] = [
      { name: 'warm-up', ratePerS: 0.25 * capacityPerS, durationMs: 1_000 },
      { name: 'direct 0.5×', ratePerS: 0.5 * capacityPerS, durationMs: 3_000 },
      { name: 'direct 1.25×', ratePerS: 1.25 * capacityPerS, durationMs: 5_000 },
    ];
    const summary = await runOpenLoopChild(children, loadCore, {
      url: upstream.url,
      phases,
      connections,
      timeoutMs,
    });
    const [, under, over] = summary.phases;
    const line =
      `capacity check, no proxy: ${Math.round(over?.okAnsweredPerS ?? 0)} req/s answered at 1.25× ` +
      `(nominal ${Math.round(capacityPerS)}); p99 ${under?.ok.p99Ms.toFixed(1) ?? '?'} ms at 0.5×`;
    log(line);
    return line;
  } finally {
    await children.kill(upstream.process);
  }
}

async function upstreamStats(url: string): Promise<string> {
  try {
    const stats = (await (await fetch(`${url}/stats`)).json()) as Record<string, number>;
    return `served ${stats['served']}, at most ${stats['maxQueued']} queued, ${stats['cancelledWhileQueued']} cancelled while queued`;
  } catch (error) {
    return `no stats (${reason(error)})`;
  }
}

function versionOf(command: string, args: string[]): string {
  const path = findCommand(command);
  if (!path) return `${command} absent`;
  const out = spawnSync(path, args, { encoding: 'utf8' });
  return `${out.stdout}${out.stderr}`.trim().split('\n')[0] ?? '?';
}

function describeRun(capacityLine: string | undefined): string {
  const pinning = isPinningAvailable
    ? `proxy on core ${proxyCore}; upstream and load generator on core ${loadCore}`
    : 'none';
  const flags = [
    `--phase-duration ${phaseMs / 1000}s --recovery ${recoveryMs / 1000}s`,
    `--slots ${slots} --service ${serviceMs}ms --peers ${peerKeys.join(',')}`,
    ...(values['capacity-check'] ? ['--capacity-check'] : []),
  ];
  return [
    `- command: \`node bench/overload.ts ${flags.join(' ')}\``,
    `- machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; pinning: ${pinning}`,
    `- upstream: ${slots} slots × ${serviceMs} ms = ${Math.round(capacityPerS).toLocaleString('en-US')} req/s; the rest wait FIFO in the server`,
    `- load: open loop, constant arrival rate, latency from each request's scheduled send; up to ${connections} connections, ${timeoutMs / 1000} s timeout; goodput = 2xx answered within 1 s`,
    `- phases: ${plan.map((p) => `${p.name} ${p.durationMs / 1000} s`).join(', ')}; the warm-up is not reported`,
    `- node ${process.version}; ${versionOf('nginx', ['-v'])}`,
    ...(capacityLine ? [`- ${capacityLine}`] : []),
  ].join('\n');
}
