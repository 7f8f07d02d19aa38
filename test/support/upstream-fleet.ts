import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { faultsToWire, startUpstream, type FaultsPatch, type RunningUpstream } from '../../src/demo/index.ts';

/**
 * N simulated upstreams on 127.0.0.1 ephemeral ports for e2e tests, either in this process or as child
 * processes (so a test can SIGKILL one mid-request and learn from its log which request ids reached it).
 */

export interface FleetOptions {
  readonly processes: boolean;
  readonly tokenDelayMs?: number | undefined;
}

export interface Fleet {
  readonly urls: readonly string[];
  readonly controlUrls: readonly string[];
  /** Flips fault switches over HTTP on the control port, so it works the same for both kinds of member. */
  setFaults(index: number, patch: FaultsPatch): Promise<void>;
  /** SIGKILL for a process; a crash (sockets destroyed, port closed) in-process. */
  kill(index: number): Promise<void>;
  /** Brings a killed member back on the same ports. */
  restart(index: number): Promise<void>;
  /** x-request-id of every API request that reached the member, in arrival order, across restarts. */
  receivedIds(index: number): readonly string[];
  stop(): Promise<void>;
}

interface Member {
  readonly url: string;
  readonly controlUrl: string;
  readonly receivedIds: string[];
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const upstreamMain = fileURLToPath(new URL('../../src/demo/upstream-main.ts', import.meta.url));
// Children need Node 24 to run .ts; the machine's default node may be older than the one vitest runs on.
const nodeBinary = process.versions.node.startsWith('24.')
  ? process.execPath
  : fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
const startTimeoutMs = 10_000;

export async function startFleet(count: number, options: FleetOptions): Promise<Fleet> {
  const tokenDelayMs = options.tokenDelayMs ?? 20;
  const starts = Array.from({ length: count }, (_, i) =>
    options.processes
      ? startChild(`upstream-${i + 1}`, tokenDelayMs)
      : startInProcess(`upstream-${i + 1}`, tokenDelayMs),
  );
  const settled = await Promise.allSettled(starts);
  const members = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure) {
    await Promise.all(members.map((m) => m.stop()));
    throw failure.reason;
  }
  const member = (index: number): Member => {
    const found = members[index];
    if (!found) throw new RangeError(`fleet has ${members.length} upstreams, no index ${index}`);
    return found;
  };
  return {
    urls: members.map((m) => m.url),
    controlUrls: members.map((m) => m.controlUrl),
    setFaults: async (index, patch) => {
      const res = await fetch(`${member(index).controlUrl}/_faults`, {
        method: 'POST',
        body: JSON.stringify(faultsToWire(patch)),
      });
      if (!res.ok) throw new Error(`setting faults failed: ${res.status} ${await res.text()}`);
    },
    kill: (index) => member(index).kill(),
    restart: (index) => member(index).restart(),
    receivedIds: (index) => [...member(index).receivedIds],
    stop: async () => {
      await Promise.all(members.map((m) => m.stop()));
    },
  };
}

async function startInProcess(name: string, tokenDelayMs: number): Promise<Member> {
  const receivedIds: string[] = [];
  const upstream: RunningUpstream = await startUpstream({
    name,
    tokenDelayMs,
    onRequest: (seen) => receivedIds.push(seen.requestId ?? '-'),
  });
  return {
    url: upstream.url,
    controlUrl: upstream.controlUrl,
    receivedIds,
    kill: () => upstream.setFaults({ crash: true }),
    restart: () => upstream.setFaults({ crash: false }),
    stop: () => upstream.close(),
  };
}

async function startChild(name: string, tokenDelayMs: number): Promise<Member> {
  const receivedIds: string[] = [];
  let child = await spawnUpstream(name, tokenDelayMs, ['--port', '0', '--control-port', '0'], receivedIds);
  const { url, controlUrl } = child;
  const killChild = async (): Promise<void> => {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return;
    const closed = child.closed;
    child.process.kill('SIGKILL');
    // 'close' means stdout is drained: every `received` line written before the kill has been read.
    await closed;
  };
  return {
    url,
    controlUrl,
    receivedIds,
    kill: killChild,
    restart: async () => {
      await killChild();
      const ports = ['--port', new URL(url).port, '--control-port', new URL(controlUrl).port];
      child = await spawnUpstream(name, tokenDelayMs, ports, receivedIds);
    },
    stop: killChild,
  };
}

interface ChildUpstream {
  readonly process: ChildProcess;
  readonly url: string;
  readonly controlUrl: string;
  readonly closed: Promise<void>;
}

function spawnUpstream(
  name: string,
  tokenDelayMs: number,
  ports: string[],
  receivedIds: string[],
): Promise<ChildUpstream> {
  const args = [upstreamMain, '--name', name, ...ports, '--token-delay-ms', String(tokenDelayMs)];
  const child = spawn(nodeBinary, [...args, '--log-requests', '--exit-with-parent'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    let url: string | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not print its addresses within ${startTimeoutMs} ms`));
    }, startTimeoutMs);
    void closed.then(() => {
      clearTimeout(timer);
      reject(
        new Error(`${name} exited before listening (code ${child.exitCode}, signal ${child.signalCode})`),
      );
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [word, value = ''] = line.split(' ', 2);
      if (word === 'received') receivedIds.push(value);
      else if (word === 'listening') url = value;
      else if (word === 'control' && url !== undefined) {
        clearTimeout(timer);
        resolve({ process: child, url, controlUrl: value, closed });
      }
    });
  });
}
