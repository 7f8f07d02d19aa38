import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Child processes for benchmarks: pinned to a core, tracked, and always killed, even when the run fails. */

// Children run .ts, which needs Node 24; the machine's default node may be older.
export const nodeBinary = process.versions.node.startsWith('24.')
  ? process.execPath
  : fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));

/**
 * The Node flags `npm start` runs Bulwark with (docs/adr/0005), read from package.json so no benchmark drifts
 * from them. Every Node proxy in bench:proxy gets them, so the comparison with the undici floor is fair.
 */
export const bulwarkNodeFlags: readonly string[] = (() => {
  const packageJson = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const start = (JSON.parse(packageJson) as { scripts: { start: string } }).scripts.start;
  return start.split(/\s+/).filter((token) => token.startsWith('--'));
})();

export function findCommand(name: string): string | undefined {
  // nginx and haproxy live in /usr/sbin, which a non-root PATH often lacks.
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

// Pinning needs two cores: the proxy gets core 0, the upstream and load generator share core 1.
const taskset = availableParallelism() >= 2 ? findCommand('taskset') : undefined;

/** Wraps a command in `taskset -c <core>` when taskset exists; taskset execs, so the pid stays the child's. */
export function pinned(core: number, command: string, args: readonly string[]): [string, string[]] {
  return taskset ? [taskset, ['-c', String(core), command, ...args]] : [command, [...args]];
}

export const isPinningAvailable = taskset !== undefined;

const gracefulStopMs = 2_000;

export class ChildSet {
  #children = new Set<ChildProcess>();

  constructor() {
    // Last resort: a crash or Ctrl-C must not leave servers pinned to the cores.
    process.once('exit', () => this.killAllNow());
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => {
        this.killAllNow();
        process.exit(130);
      });
  }

  /** Each child leads its own process group, so nginx's workers die with their master. */
  spawn(
    command: string,
    args: readonly string[],
    stdio: StdioOptions = ['ignore', 'pipe', 'pipe'],
  ): ChildProcess {
    const child = spawn(command, args, { stdio, detached: true });
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    return child;
  }

  /** SIGTERM first so nginx's master reaps its workers; SIGKILL to the group if it lingers. */
  async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signalGroup(child, 'SIGTERM');
    signalGroup(child, 'SIGCONT'); // a frozen process acts on SIGTERM only once it runs again
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), gracefulStopMs);
    await exited;
    clearTimeout(timer);
    // Workers that outlived their master (none expected) go too.
    signalGroup(child, 'SIGKILL');
  }

  /**
   * Freezes an idle target so it takes no CPU from the one being measured: after a load run, Node keeps
   * compacting its heap on the shared proxy core for seconds, which showed up as a slow next target.
   */
  freeze(child: ChildProcess): void {
    signalGroup(child, 'SIGSTOP');
  }

  thaw(child: ChildProcess): void {
    signalGroup(child, 'SIGCONT');
  }

  /** For the exit path, where nothing can be awaited. */
  killAllNow(): void {
    for (const child of this.#children) signalGroup(child, 'SIGKILL');
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.#children].map((child) => this.kill(child)));
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Resolves with the URL a child prints as `listening <url>`; rejects on exit or timeout with its stderr. */
export function waitForListening(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderrTail = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-400)));
    const timer = setTimeout(
      () => reject(new Error(`no "listening" line within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const why = lastLine(stderrTail) ?? `exit code ${code ?? signal ?? '?'}`;
      reject(new Error(`exited before listening: ${why}`));
    });
    if (!child.stdout) return reject(new Error('child stdout is not a pipe'));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('listening ')) return;
      clearTimeout(timer);
      resolve(line.slice('listening '.length).trim());
    });
  });
}

function lastLine(text: string): string | undefined {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1);
}

/** Polls until the URL answers 200; used for servers that print nothing when ready (nginx, HAProxy). */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadlineMs) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
      lastError = new Error(`status ${res.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms: ${String(lastError)}`);
}

/** A free loopback port for servers that cannot bind port 0 and report it. Racy in theory, fine on a bench box. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
