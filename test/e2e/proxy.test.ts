import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import {
  createServer,
  get,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../src/core/clock.ts';
import { channelNames, type RequestEvent } from '../../src/core/events.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
let gateway: TestGateway | undefined;

async function upstream(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** An address nothing listens on: bind, note the port, close. */
async function deadUrl(): Promise<string> {
  const { url, server } = await upstream(() => undefined);
  await new Promise((resolve) => server.close(resolve));
  return url;
}

async function httpGet(
  url: string,
  headers: OutgoingHttpHeaders,
): Promise<{ statusCode: number; headers: IncomingHttpHeaders; body: string }> {
  const [res] = (await once(get(url, { headers, agent: false }), 'response')) as [IncomingMessage];
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return { statusCode: res.statusCode ?? 0, headers: res.headers, body };
}

function route(pool: string, extra: Record<string, unknown> = {}) {
  return { match: { path_prefix: '/' }, pool, ...extra };
}

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('forwarding', () => {
  it('strips hop-by-hop headers, appends X-Forwarded-*, passes traceparent, and echoes a generated request id', async () => {
    let seen: IncomingMessage['headers'] = {};
    const up = await upstream((req, res) => {
      seen = req.headers;
      res.writeHead(200, { 'content-type': 'text/plain', 'keep-alive': 'timeout=5', 'x-from': 'up' });
      res.end('hello');
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: up.url }] } },
      routes: [route('api')],
    });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    // node:http, because undici will not send a Connection header that names other headers.
    const res = await httpGet(`${gateway.url}/x?y=1`, {
      traceparent,
      'x-forwarded-for': '203.0.113.9',
      'x-hop': 'a',
      connection: 'x-hop',
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('hello');
    const requestId = res.headers['x-request-id'];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-from']).toBe('up');
    expect(res.headers['keep-alive']).not.toBe('timeout=5');
    expect(seen['x-request-id']).toBe(requestId);
    expect(seen.traceparent).toBe(traceparent);
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-hop']).toBeUndefined();
  });

  it('keeps a client-supplied request id', async () => {
    const up = await upstream((req, res) => res.end(req.headers['x-request-id']));
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: up.url }] } },
      routes: [route('api')],
    });
    const res = await request(gateway.url, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(await res.body.text()).toBe('abc-123');
  });

  it('streams a large request body both ways without buffering it all', async () => {
    const up = await upstream((req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: up.url }] } },
      routes: [route('api')],
    });
    const bytes = Buffer.alloc(5 * 1024 * 1024, 7);
    const res = await request(gateway.url, { method: 'POST', body: bytes });
    const echoed = Buffer.from(await res.body.arrayBuffer());
    expect(echoed.length).toBe(bytes.length);
    expect(echoed.equals(bytes)).toBe(true);
  });

  it('answers 404 with a JSON error for an unknown route', async () => {
    const up = await upstream((_req, res) => res.end());
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: up.url }] } },
      routes: [{ match: { path_prefix: '/v1/' }, pool: 'api' }],
    });
    const events: RequestEvent[] = [];
    const onRequest = (message: unknown): void => void events.push(message as RequestEvent);
    subscribe(channelNames.request, onRequest);
    const res = await request(`${gateway.url}/nope`);
    unsubscribe(channelNames.request, onRequest);
    expect(res.statusCode).toBe(404);
    // Counted in metrics and logs like any request, as route -1.
    expect(events).toMatchObject([{ route: 'none', status: 404, errorCode: 'GW_ROUTE_NOT_FOUND' }]);
    const body = (await res.body.json()) as { error: { code: string; request_id: string } };
    expect(body.error.code).toBe('GW_ROUTE_NOT_FOUND');
    expect(body.error.request_id).toBe(res.headers['x-request-id']);
  });

  it('answers 503 when every endpoint is draining', async () => {
    const up = await upstream((_req, res) => res.end());
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: up.url, drain: true }] } },
      routes: [route('api')],
    });
    const res = await request(gateway.url);
    expect(res.statusCode).toBe(503);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe(
      'GW_NO_HEALTHY_ENDPOINT',
    );
  });

  it('answers 502 when the only upstream refuses connections', async () => {
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: await deadUrl() }] } },
      routes: [route('api')],
    });
    const res = await request(gateway.url);
    expect(res.statusCode).toBe(502);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('GW_UPSTREAM_FAILED');
  });
});

describe('retries', () => {
  it('moves a refused POST to another endpoint: it never reached an upstream', async () => {
    let received = 0;
    const good = await upstream((req, res) => {
      received += 1;
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    const dead = await deadUrl();
    gateway = await startTestGateway({
      pools: { api: { balancer: 'round-robin', endpoints: [{ url: dead }, { url: good.url }] } },
      routes: [route('api')],
    });
    for (let i = 0; i < 10; i++) {
      const res = await request(gateway.url, { method: 'POST', body: `payload ${i}` });
      expect(res.statusCode).toBe(200);
      await res.body.text();
    }
    expect(received).toBe(10);
  });

  it('retries a GET answered 503 but forwards a POST answered 503 (not idempotent)', async () => {
    let calls = 0;
    const flaky = await upstream((req, res) => {
      calls += 1;
      req.resume();
      res.writeHead(calls % 2 === 1 ? 503 : 200);
      res.end(String(calls));
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: flaky.url }] } },
      routes: [route('api', { retry: { attempts: 2, on: [503] } })],
    });
    const get = await request(gateway.url);
    expect(get.statusCode).toBe(200);
    expect(await get.body.text()).toBe('2');
    const post = await request(gateway.url, { method: 'POST', body: 'x' });
    expect(post.statusCode).toBe(503);
    expect(await post.body.text()).toBe('3');
  });

  it('stops retrying when the budget is spent', async () => {
    let calls = 0;
    const down = await upstream((_req, res) => {
      calls += 1;
      res.writeHead(503);
      res.end();
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: down.url }], outlier_detection: { consecutive_failures: 1000 } } },
      routes: [
        route('api', { retry: { attempts: 3, on: [503], budget: { ratio: '0%', min_per_second: 0.3 } } }),
      ],
    });
    for (let i = 0; i < 10; i++) await (await request(gateway.url)).body.text();
    // 10 requests, reserve of 0.3/s × 10 s = 3 retries, ratio 0: 13 upstream calls, not 30.
    expect(calls).toBe(13);
  });
});

describe('timeouts and failures after the response started', () => {
  it('answers 504 when the first byte does not come in time', async () => {
    const hang = await upstream(() => undefined);
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: hang.url }] } },
      routes: [route('api', { timeouts: { first_byte: '200ms' } })],
    });
    const res = await request(gateway.url);
    expect(res.statusCode).toBe(504);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('GW_UPSTREAM_TIMEOUT');
  });

  it('answers 504 at the total timeout of an ordinary response', async () => {
    const slowBody = await upstream((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: slowBody.url }] } },
      routes: [route('api', { timeouts: { total: '300ms' } })],
    });
    const res = await request(gateway.url);
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toThrow();
  });

  it('breaks the client connection when a plain response dies mid-body: no clean end', async () => {
    const dying = await upstream((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only part');
      setImmediate(() => res.destroy());
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: dying.url }] } },
      routes: [route('api')],
    });
    const res = await request(gateway.url);
    await expect(res.body.text()).rejects.toThrow();
  });

  it('closes the upstream request when the client disconnects', async () => {
    let upstreamClosed = false;
    let upstreamGotRequest = false;
    const slow = await upstream((req, res) => {
      upstreamGotRequest = true;
      res.writeHead(200);
      res.write('start');
      res.on('close', () => (upstreamClosed = true));
      req.on('close', () => (upstreamClosed = true));
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: slow.url }] } },
      routes: [route('api')],
    });
    const controller = new AbortController();
    const res = await request(gateway.url, { signal: controller.signal });
    expect(res.statusCode).toBe(200);
    expect(upstreamGotRequest).toBe(true);
    controller.abort();
    await eventually(() => upstreamClosed, 5_000, 'the upstream to see its request closed');
  });

  // A request's timeouts share one timer (src/gateway/exchange.ts), set for the earliest deadline known and
  // re-checked when it fires. These pin down that each timeout still counts from its own moment, and that the
  // common case costs one timer.
  it('creates one timer for a request answered in time', async () => {
    const fast = await upstream((_req, res) => res.end('ok'));
    let timersSet = 0;
    const countingClock: Clock = {
      nowMs: () => systemClock.nowMs(),
      setTimer: (delayMs, fn) => {
        timersSet += 1;
        return systemClock.setTimer(delayMs, fn);
      },
    };
    gateway = await startTestGateway(
      { pools: { api: { endpoints: [{ url: fast.url }] } }, routes: [route('api')] },
      { clock: countingClock },
    );
    // Opening the keep-alive connection sets one more, for its connect timeout: not a per-request cost.
    expect(await (await request(gateway.url)).body.text()).toBe('ok');
    const before = timersSet;
    for (let i = 0; i < 20; i++) expect(await (await request(gateway.url)).body.text()).toBe('ok');
    expect(timersSet - before).toBe(20);
  });

  it('waits for a first byte slower than the idle timeout: idle counts only from the headers on', async () => {
    const late = await upstream((_req, res) => {
      setTimeout(() => res.end('late but in time'), 400);
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: late.url }] } },
      routes: [route('api', { timeouts: { first_byte: '3s', idle: '150ms' } })],
    });
    const res = await request(gateway.url);
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('late but in time');
  });

  it('times a body that stalls after late headers by idle, not by the later first-byte deadline', async () => {
    // The timer fires at 300 ms (idle) while headers are still due, and re-arms for the first byte at 3 s;
    // the headers at 400 ms must bring it forward to the idle deadline at 700 ms.
    const stalling = await upstream((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-length': '100' });
        res.write('part of it');
      }, 400);
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: stalling.url }] } },
      routes: [route('api', { timeouts: { first_byte: '3s', idle: '300ms', total: '30s' } })],
    });
    const startedMs = performance.now();
    const res = await request(gateway.url);
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toThrow();
    expect(performance.now() - startedMs).toBeLessThan(2_000);
  });
});
