import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bulwarkNodeFlags,
  ChildSet,
  findCommand,
  freePort,
  nodeBinary,
  pinned,
  waitForHttp,
  waitForListening,
} from './children.ts';
import { haproxyLaunch, nginxLaunch, type PeerSetup } from './peers.ts';
import { referenceNames } from './report.ts';

/** The proxies under test, each started pinned to the proxy core and reduced to the URL the load goes to. */

export interface StartedTarget {
  readonly url: string;
  /** Absent for `direct`, which is the upstream every target needs running. */
  readonly process?: ChildProcess | undefined;
}

export interface Target {
  readonly name: string;
  /** Rejects with a reason the table can show. */
  start(): Promise<StartedTarget>;
}

export interface TargetContext {
  readonly children: ChildSet;
  readonly upstreamUrl: string;
  readonly tempDir: string;
  readonly proxyCore: number;
}

const startTimeoutMs = 15_000;
const benchDir = fileURLToPath(new URL('..', import.meta.url));

export class SkippedError extends Error {}

/** A Node script that prints `listening <url>`; killed at once if it never does. */
export async function startNodeScript(
  children: ChildSet,
  core: number,
  script: string,
  args: string[],
): Promise<StartedTarget> {
  // Every Node proxy runs with Bulwark's production launch flags (docs/adr/0005), so the comparison is fair.
  const [command, pinnedArgs] = pinned(core, nodeBinary, [
    ...bulwarkNodeFlags,
    join(benchDir, script),
    ...args,
  ]);
  const child = children.spawn(command, pinnedArgs);
  try {
    return { url: await waitForListening(child, startTimeoutMs), process: child };
  } catch (error) {
    await children.kill(child);
    throw error;
  }
}

export function benchTargets(ctx: TargetContext): Target[] {
  const upstreamArgs = ['--upstream', ctx.upstreamUrl];
  return [
    { name: referenceNames.direct, start: () => Promise.resolve({ url: ctx.upstreamUrl }) },
    {
      name: 'Bulwark',
      start: () => startNodeScript(ctx.children, ctx.proxyCore, 'bulwark-gateway.ts', upstreamArgs),
    },
    {
      name: referenceNames.floor,
      start: () => startNodeScript(ctx.children, ctx.proxyCore, 'undici-floor.ts', upstreamArgs),
    },
    {
      name: referenceNames.fastify,
      start: () => startNodeScript(ctx.children, ctx.proxyCore, 'fastify-proxy.ts', upstreamArgs),
    },
    { name: referenceNames.nginx, start: () => startPeer(ctx, 'nginx', nginxLaunch) },
    { name: referenceNames.haproxy, start: () => startPeer(ctx, 'haproxy', haproxyLaunch) },
  ];
}

async function startPeer(
  ctx: TargetContext,
  binaryName: string,
  launch: typeof nginxLaunch,
): Promise<StartedTarget> {
  const binary = findCommand(binaryName);
  if (!binary) throw new SkippedError(`${binaryName} not installed (apt-get install ${binaryName})`);
  const setup: PeerSetup = { binary, dir: ctx.tempDir, port: await freePort(), upstreamUrl: ctx.upstreamUrl };
  const peer = launch(setup);
  const [command, args] = pinned(ctx.proxyCore, peer.command, peer.args);
  const child = ctx.children.spawn(command, args, ['ignore', peer.logFd, peer.logFd]);
  try {
    await Promise.race([
      waitForHttp(peer.url, startTimeoutMs),
      exitedEarly(child, join(ctx.tempDir, `${binaryName}.log`)),
    ]);
    return { url: peer.url, process: child };
  } catch (error) {
    await ctx.children.kill(child);
    throw error;
  }
}

/** Rejects with the log's last line when the child exits; race it against a readiness check. */
export function exitedEarly(child: ChildProcess, logPath: string): Promise<never> {
  return new Promise((_, reject) => {
    child.once('exit', (code) => {
      const lastLine = readFileSync(logPath, 'utf8').trim().split('\n').at(-1) ?? '';
      reject(new Error(`exited with code ${code ?? '?'}: ${lastLine}`));
    });
  });
}
