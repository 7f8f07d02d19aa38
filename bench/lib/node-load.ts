import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import type { LoadResult } from './load.ts';

/**
 * Fallback load generator when wrk is absent: N keep-alive connections, each looping GET as fast as it can.
 * A single Node thread saturates well below wrk, so its req/s are lower and only comparable with each other.
 */

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    'duration-s': { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
  },
});
if (!values.url) throw new Error('usage: node-load.ts --url URL [--duration-s 10] [--connections 50]');

const url = new URL(values.url);
const connections = Number(values.connections);
const pool = new Pool(url.origin, { connections, pipelining: 1 });
const latenciesMs: number[] = [];
let badResponses = 0;
let socketErrors = 0;
const startMs = performance.now();
const endMs = startMs + Number(values['duration-s']) * 1000;

async function connectionLoop(): Promise<void> {
  while (performance.now() < endMs) {
    const sentMs = performance.now();
    try {
      const { statusCode, body } = await pool.request({ path: url.pathname + url.search, method: 'GET' });
      await body.dump();
      latenciesMs.push(performance.now() - sentMs);
      if (statusCode >= 400) badResponses++;
    } catch {
      socketErrors++;
    }
  }
}

await Promise.all(Array.from({ length: connections }, connectionLoop));
const elapsedS = (performance.now() - startMs) / 1000;
await pool.close();

latenciesMs.sort((a, b) => a - b);
const at = (fraction: number): number =>
  latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(fraction * latenciesMs.length))] ?? Number.NaN;
const result: LoadResult = {
  requestsPerS: latenciesMs.length / elapsedS,
  p50Ms: at(0.5),
  p99Ms: at(0.99),
  totalRequests: latenciesMs.length,
  badResponses,
  socketErrors,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
