import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { GatewayMetrics } from '../../src/observability/metrics.ts';
import { subscribeGatewayLogs } from '../../src/observability/gateway-logs.ts';
import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream } from '../support/test-upstream.ts';
import {
  openSocket,
  readUntilClose,
  startCountingUpstream,
  startLimitedGateway,
  type CountingUpstream,
  type LimitedGateway,
} from '../support/raw-http.ts';

/**
 * A client too slow sending its body gets node's 408 at `limits.request_timeout`: the operator must see it,
 * in the request metrics and the log, as a 413 or a malformed request is seen.
 */

let upstream: CountingUpstream | undefined;
let gateway: LimitedGateway | undefined;
let metrics: GatewayMetrics | undefined;
const stops: (() => void)[] = [];
const clients: Socket[] = [];

afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy();
  for (const stop of stops.splice(0)) stop();
  metrics?.close();
  await gateway?.stop();
  await upstream?.close();
  gateway = upstream = metrics = undefined;
});

/** A POST whose body comes a byte every 50 ms, so that only the request timeout can end it. */
async function trickleBody(port: number): Promise<{ status: number; errorCode: string | undefined }> {
  const socket = await openSocket(port);
  clients.push(socket);
  const reply = readUntilClose(socket);
  socket.write('POST /upload HTTP/1.1\r\nHost: api.test\r\nContent-Length: 1000\r\n\r\n');
  const trickle = setInterval(() => socket.writable && socket.write('x'), 50);
  return reply.finally(() => clearInterval(trickle));
}

/** The sum of the samples whose line starts with `prefix` (a name and its first labels); undefined if none. */
function sample(text: string, prefix: string): number | undefined {
  const lines = text.split('\n').filter((l) => l.startsWith(prefix));
  return lines.length === 0 ? undefined : lines.reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

describe('a request body slower than request_timeout', () => {
  it.each([
    ['held for replay (the route retries)', 3],
    ['streamed to the upstream as it comes (no retries)', 1],
  ])(
    'when %s: counted as a 408 GW_REQUEST_TIMEOUT of its route, and logged at warn',
    async (_how, attempts) => {
      const scraped = new GatewayMetrics({ processMetrics: false });
      metrics = scraped;
      const lines: string[] = [];
      const logger = createLogger({
        level: 'info',
        destination: { write: (line: string) => lines.push(line) },
      });
      stops.push(subscribeGatewayLogs(logger));
      upstream = await startCountingUpstream();
      gateway = await startLimitedGateway({
        limits: { header_timeout: '300ms', request_timeout: '600ms' },
        pools: { api: { endpoints: [{ url: upstream.url }] } },
        routes: [{ pool: 'api', retry: { attempts } }],
      });

      const answer = await trickleBody(gateway.port);
      expect([answer.status, answer.errorCode]).toEqual([408, 'GW_REQUEST_TIMEOUT']);

      const timeouts = 'bulwark_gateway_errors_total{code="GW_REQUEST_TIMEOUT",';
      // The gateway hears the close at about the time the client does.
      await eventually(
        async () => sample(await scraped.metricsText(), timeouts) !== undefined,
        2_000,
        'a 408',
      );
      const text = await scraped.metricsText();
      // Once, as a 408 of route 0: not as a client that left (499), nor not at all.
      expect(sample(text, timeouts)).toBe(1);
      expect(sample(text, 'bulwark_gateway_errors_total{code="GW_CLIENT_CLOSED",')).toBeUndefined();
      const requests = text.split('\n').filter((l) => l.startsWith('bulwark_gateway_requests_total{'));
      expect(requests).toHaveLength(1);
      expect(requests[0]).toMatch(/^bulwark_gateway_requests_total\{route="0",.*status_class="4xx"\} 1$/);

      const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged).toEqual([
        expect.objectContaining({
          level: 'warn',
          status: 408,
          errorCode: 'GW_REQUEST_TIMEOUT',
          route: '0',
          method: 'POST',
          path: '/upload',
        }),
      ]);
    },
  );
});

describe('the 408 of a request body slower than request_timeout', () => {
  it('names the request id its log line names, when the client sent none', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => lines.push(line) },
    });
    stops.push(subscribeGatewayLogs(logger));
    upstream = await startCountingUpstream();
    gateway = await startLimitedGateway({
      limits: { header_timeout: '300ms', request_timeout: '600ms' },
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'api' }],
    });
    const socket = await openSocket(gateway.port);
    clients.push(socket);
    const reply = readUntilClose(socket);
    socket.write('POST /upload HTTP/1.1\r\nHost: api.test\r\nContent-Length: 10\r\n\r\nhalf!');
    const { status, text } = await reply;
    expect(status).toBe(408);
    const answered = /^x-request-id: (\S+)\r$/im.exec(text)?.[1];
    await eventually(() => lines.length > 0, 2_000, 'the log line');
    const logged = JSON.parse(lines[0]!) as { requestId?: string; status?: number };
    expect(logged.status).toBe(408);
    expect(answered).toBeDefined();
    expect(logged.requestId).toBe(answered);
  });
});

describe('a request body slower than request_timeout while its request waits in the queue', () => {
  it('is counted as a 408 GW_REQUEST_TIMEOUT of its route', async () => {
    const scraped = new GatewayMetrics({ processMetrics: false });
    metrics = scraped;
    const held: ServerResponse[] = [];
    const holding = await startTestUpstream((_req, res) => void held.push(res));
    stops.push(() => void holding.close());
    gateway = await startLimitedGateway({
      limits: { header_timeout: '300ms', request_timeout: '600ms' },
      pools: {
        api: { endpoints: [{ url: holding.url }], concurrency: 1, queue: { max: 4, timeout: '30s' } },
      },
      routes: [{ pool: 'api' }],
    });
    // The pool's one place is taken until the test ends, so the slow upload waits in the queue.
    const first = request(gateway.url).catch(() => undefined);
    await eventually(() => held.length === 1, 5_000, 'the first request at the upstream');

    const answer = await trickleBody(gateway.port);
    expect([answer.status, answer.errorCode]).toEqual([408, 'GW_REQUEST_TIMEOUT']);
    const timeouts = 'bulwark_gateway_errors_total{code="GW_REQUEST_TIMEOUT",';
    await eventually(async () => sample(await scraped.metricsText(), timeouts) === 1, 2_000, 'a 408');
    expect(await scraped.metricsText()).toMatch(
      /^bulwark_gateway_requests_total\{route="0",pool="",endpoint="",status_class="4xx"\} 1$/m,
    );
    for (const res of held) res.end('done');
    await first;
  });
});

describe('a request body slower than request_timeout after the upstream began its answer', () => {
  it('is counted as GW_REQUEST_TIMEOUT under the answer’s status, not as a client that left', async () => {
    const scraped = new GatewayMetrics({ processMetrics: false });
    metrics = scraped;
    // Answers at once, without waiting for the body, and never ends: only the request timeout ends this.
    const early = await startTestUpstream((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    stops.push(() => void early.close());
    gateway = await startLimitedGateway({
      limits: { header_timeout: '300ms', request_timeout: '600ms' },
      pools: { api: { endpoints: [{ url: early.url }] } },
      routes: [{ pool: 'api', retry: { attempts: 1 } }],
    });
    // The answer had begun: no 408 can follow it, so the connection is cut.
    expect((await trickleBody(gateway.port)).status).toBe(200);
    const timeouts = 'bulwark_gateway_errors_total{code="GW_REQUEST_TIMEOUT",';
    await eventually(async () => sample(await scraped.metricsText(), timeouts) === 1, 2_000, 'the timeout');
    const text = await scraped.metricsText();
    expect(sample(text, 'bulwark_gateway_errors_total{code="GW_CLIENT_CLOSED",')).toBeUndefined();
    expect(text).toMatch(/^bulwark_gateway_requests_total\{route="0",.*status_class="2xx"\} 1$/m);
  });
});
