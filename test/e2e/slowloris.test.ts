import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { afterEach, expect, it } from 'vitest';
import { eventually } from '../support/gateway-harness.ts';
import { openSocket, sendRaw, startLimitedGateway, type LimitedGateway } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * Slowloris: many connections that send a request's headers slowly or never, hoping to use up what the
 * server has for everyone else. An event-loop server has no worker per connection to exhaust, and header
 * timeouts end such connections eventually; this holds that a legitimate client's tail latency barely moves
 * while 1,000 of them are open.
 */

const slowConnections = 1_000;
const rounds = 5;
const requestsPerRound = 400;
// Measured here (the file runs alone, after the other tests): p99 about 0.3 ms, and 0.30–0.33 ms with the
// 1,000 slow connections open. But a clean-clone CI run on a slow moment measured 0.84 ms, then 1.76 ms under
// attack: twice a sub-millisecond p99 is within this machine's noise. Starvation by slow clients would cost
// tens of ms or hang, so the bound never drops below 5 ms.
const latencyFloorMs = 5;

let upstream: TestUpstream | undefined;
let gateway: LimitedGateway | undefined;
let client: Client | undefined;
const slow: Socket[] = [];

afterEach(async () => {
  for (const socket of slow.splice(0)) socket.destroy();
  await client?.close();
  await gateway?.stop();
  await upstream?.close();
  client = gateway = upstream = undefined;
});

async function p99LatencyMs(target: Client, count: number): Promise<number> {
  const latenciesMs: number[] = [];
  for (let i = 0; i < count; i++) {
    const startMs = performance.now();
    const res = await target.request({ path: '/', method: 'GET' });
    await res.body.text();
    if (res.statusCode !== 200) throw new Error(`request ${i} answered ${res.statusCode}`);
    latenciesMs.push(performance.now() - startMs);
  }
  return percentile(latenciesMs, 0.99);
}

/** The median of several rounds' p99: one GC pause or scheduler hiccup spoils a round, not the verdict. */
async function typicalP99Ms(target: Client): Promise<number> {
  const roundsP99Ms: number[] = [];
  for (let round = 0; round < rounds; round++) roundsP99Ms.push(await p99LatencyMs(target, requestsPerRound));
  return percentile(roundsP99Ms, 0.5);
}

function percentile(values: number[], fraction: number): number {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) * fraction)] ?? Number.NaN;
}

/** Opens `count` connections from another loopback address: half stall inside the headers, half say nothing. */
async function openSlowConnections(port: number, count: number): Promise<void> {
  for (let opened = 0; opened < count; opened += 100) {
    const batch = await Promise.all(Array.from({ length: 100 }, () => openSocket(port, '127.0.0.2')));
    for (const [i, socket] of batch.entries()) {
      socket.on('error', () => undefined);
      if (i % 2 === 0) socket.write('GET / HTTP/1.1\r\nHost: api.test\r\nX-Slow: ');
      slow.push(socket);
    }
  }
}

/** One more header byte to ten of the talking half every 20 ms: each gets a byte a second, forever slow. */
function trickle(): () => void {
  let next = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < 10; i++) {
      const socket = slow[(next += 2) % slow.length];
      if (socket?.writable) socket.write('a');
    }
  }, 20);
  return () => clearInterval(timer);
}

it(`${slowConnections} slowloris connections leave another client's p99 within 2× of baseline, or 5 ms`, async () => {
  upstream = await startTestUpstream((_req, res) => res.end('ok'));
  const limited = await startLimitedGateway({
    // The cap would refuse most of the slow connections (all from one address) and the header timeout
    // would end them mid-measurement; both are off the table so all 1,000 stay open throughout.
    limits: { max_connections_per_ip: 2 * slowConnections, header_timeout: '60s', request_timeout: '120s' },
    pools: { api: { endpoints: [{ url: upstream.url }] } },
    routes: [{ pool: 'api' }],
  });
  gateway = limited;
  client = new Client(limited.url, { pipelining: 1 });
  await p99LatencyMs(client, 1_000); // warm-up: JIT, connection pools
  const baselineMs = await typicalP99Ms(client);

  await openSlowConnections(limited.port, slowConnections);
  const stopTrickle = trickle();
  try {
    await eventually(async () => (await limited.connections()) >= slowConnections, 10_000, 'slow sockets');
    const underAttackMs = await typicalP99Ms(client);
    // A new connection is accepted and served as readily as the kept-alive one.
    const fresh = await sendRaw(
      limited.port,
      'GET / HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n',
    );
    expect(fresh.status).toBe(200);
    // Every slow connection was still open during the measurement, not refused or timed out.
    expect(slow.filter((socket) => socket.destroyed)).toHaveLength(0);
    expect(underAttackMs, `baseline p99 ${baselineMs.toFixed(2)} ms`).toBeLessThanOrEqual(
      Math.max(2 * baselineMs, latencyFloorMs),
    );
  } finally {
    stopTrickle();
  }
}, 60_000);
