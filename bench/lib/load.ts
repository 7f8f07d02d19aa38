import { fileURLToPath } from 'node:url';
import { findCommand, nodeBinary, pinned, type ChildSet } from './children.ts';

/** Drives load at one URL: wrk when installed, else a Node/undici generator (which tops out lower). */

export interface LoadResult {
  readonly requestsPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly totalRequests: number;
  /** Responses outside 2xx/3xx: a proxy that fails fast must not look fast. */
  readonly badResponses: number;
  readonly socketErrors: number;
}

export interface LoadPlan {
  readonly url: string;
  readonly durationS: number;
  readonly connections: number;
  readonly core: number;
  readonly generator: LoadGenerator;
}

const wrk = findCommand('wrk');
const nodeLoadScript = fileURLToPath(new URL('./node-load.ts', import.meta.url));

export type LoadGenerator = 'wrk' | 'node';
export const defaultLoadGenerator: LoadGenerator = wrk ? 'wrk' : 'node';

export function loadCommand(plan: LoadPlan): [string, string[]] {
  if (plan.generator === 'wrk') {
    if (!wrk) throw new Error('wrk is not installed (apt-get install wrk), use --load node');
    return pinned(plan.core, wrk, [
      '-t1',
      `-c${plan.connections}`,
      `-d${plan.durationS}s`,
      '--latency',
      plan.url,
    ]);
  }
  const args = [nodeLoadScript, '--url', plan.url, '--duration-s', String(plan.durationS)];
  return pinned(plan.core, nodeBinary, [...args, '--connections', String(plan.connections)]);
}

/** Runs through the ChildSet so an interrupted bench kills its load generator along with the servers. */
export async function runLoad(plan: LoadPlan, children: ChildSet): Promise<LoadResult> {
  const [command, args] = loadCommand(plan);
  const child = children.spawn(command, args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Bounded: a wedged target costs at most 15 s beyond the planned duration.
  const timer = setTimeout(() => void children.kill(child), (plan.durationS + 15) * 1000);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${plan.generator} failed (exit ${code}): ${stderr.trim().slice(-300)}`);
  return plan.generator === 'wrk' ? parseWrk(stdout) : (JSON.parse(stdout) as LoadResult);
}

const latencyUnitsMs: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function wrkLatencyMs(output: string, percentile: string): number {
  const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
  if (!match) throw new Error(`wrk printed no ${percentile}% latency (was --latency passed?)`);
  return Number(match[1]) * (latencyUnitsMs[match[2] ?? ''] ?? Number.NaN);
}

export function parseWrk(output: string): LoadResult {
  const requestsPerS = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  const total = /^\s*(\d+) requests in /m.exec(output);
  if (!requestsPerS || !total) throw new Error(`unrecognised wrk output: ${output.slice(0, 200)}`);
  const sockets = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = sockets ? sockets.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requestsPerS: Number(requestsPerS[1]),
    p50Ms: wrkLatencyMs(output, '50'),
    p99Ms: wrkLatencyMs(output, '99'),
    totalRequests: Number(total[1]),
    badResponses: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    socketErrors,
  };
}
