import type { ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildSet, findCommand, freePort, nodeBinary, pinned, waitForHttp } from './children.ts';
import { nginxLaunch } from './peers.ts';
import { exitedEarly, SkippedError, startNodeScript } from './targets.ts';

/** The upstream with a fixed capacity and the proxies bench/overload.ts puts in front of it. */

export interface RunningPeer {
  readonly url: string;
  readonly process: ChildProcess;
}

export interface PeerContext {
  readonly children: ChildSet;
  readonly core: number;
  /** Each peer writes its config and log in a directory of its own here. */
  readonly dir: string;
  readonly upstreamUrl: string;
}

const startTimeoutMs = 15_000;
const mainScript = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export async function startCapacityUpstream(
  children: ChildSet,
  core: number,
  slots: number,
  serviceMs: number,
): Promise<RunningPeer> {
  const args = ['--slots', String(slots), '--service', `${serviceMs}ms`];
  const { url, process } = await startNodeScript(children, core, 'upstream-capacity.ts', args);
  if (!process) throw new Error('upstream-capacity.ts started without a process');
  return { url, process };
}

/** Bulwark as an operator runs it: `bulwark start -c FILE` with the production V8 flag (docs/adr/0005). */
export async function startBulwarkPeer(ctx: PeerContext, poolYaml: string): Promise<RunningPeer> {
  mkdirSync(ctx.dir, { recursive: true });
  const [gatewayPort, adminPort] = [await freePort(), await freePort()];
  const configPath = join(ctx.dir, 'bulwark.yaml');
  writeFileSync(configPath, bulwarkYaml(gatewayPort, adminPort, ctx.upstreamUrl, poolYaml));
  const logPath = join(ctx.dir, 'bulwark.log');
  const logFd = openSync(logPath, 'a');
  const [command, args] = pinned(ctx.core, nodeBinary, [
    '--max-semi-space-size=32',
    mainScript,
    ...['start', '-c', configPath],
  ]);
  const child = ctx.children.spawn(command, args, ['ignore', logFd, logFd]);
  return ready(ctx, child, `http://127.0.0.1:${gatewayPort}`, logPath);
}

function bulwarkYaml(gatewayPort: number, adminPort: number, upstreamUrl: string, poolYaml: string): string {
  // Re-indented under `pools.bench`, keeping the block's own nesting.
  const lines = poolYaml.split('\n').filter((line) => line.trim() !== '');
  const margin = Math.min(...lines.map((line) => line.length - line.trimStart().length));
  const pool = lines.map((line) => `    ${line.slice(margin)}`).join('\n');
  return `logging: { level: warn }
listen: { gateway: 127.0.0.1:${gatewayPort}, admin: 127.0.0.1:${adminPort} }
# The load comes from one address but stands for many clients; the per-address cap (512) would refuse it.
limits: { max_connections_per_ip: 0 }
pools:
  bench:
    endpoints: [{ url: ${upstreamUrl} }]
${pool}
routes:
  - match: { path_prefix: / }
    pool: bench
    retry: { attempts: 1 }
    timeouts: { total: 30s }
`;
}

/** nginx as a plain proxy (bench/lib/peers.ts). Each request holds a client and an upstream connection, and
 * closed ones linger: with fewer slots nginx closes idle client connections under the generator ("reusing"). */
export async function startNginxPeer(ctx: PeerContext, clientConnections: number): Promise<RunningPeer> {
  const binary = findCommand('nginx');
  if (!binary) throw new SkippedError('nginx not installed (apt-get install nginx)');
  mkdirSync(ctx.dir, { recursive: true });
  const peer = nginxLaunch({
    binary,
    dir: ctx.dir,
    port: await freePort(),
    upstreamUrl: ctx.upstreamUrl,
    workerConnections: 4 * clientConnections,
  });
  const [command, args] = pinned(ctx.core, peer.command, peer.args);
  const child = ctx.children.spawn(command, args, ['ignore', peer.logFd, peer.logFd]);
  return ready(ctx, child, peer.url, join(ctx.dir, 'nginx.log'));
}

async function ready(
  ctx: PeerContext,
  child: ChildProcess,
  url: string,
  logPath: string,
): Promise<RunningPeer> {
  try {
    // Through the proxy to the upstream's /healthz, which takes no slot.
    await Promise.race([waitForHttp(`${url}/healthz`, startTimeoutMs), exitedEarly(child, logPath)]);
    return { url, process: child };
  } catch (error) {
    await ctx.children.kill(child);
    throw error;
  }
}
