import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { channelNames, type RequestEvent } from '../../src/core/events.ts';
import { captureChannel } from '../support/pool-fixtures.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

let gateway: TestGateway | undefined;
const upstreams: TestUpstream[] = [];

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly code: string | undefined;
  readonly body: string;
}

async function send(url: string, headers: Record<string, string> = {}, path = '/'): Promise<Answer> {
  const res = await request(`${url}${path}`, { headers });
  const body = await res.body.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  return { status: res.statusCode, headers: res.headers, code, body };
}

/** An upstream that holds every request until the test lets it go, and records the order of arrival. */
async function heldUpstream(): Promise<{
  url: string;
  arrived: string[];
  healthChecks: () => number;
  releaseOne(): void;
  releaseAll(): void;
  held: () => number;
}> {
  const waiting: ServerResponse[] = [];
  const arrived: string[] = [];
  let healthChecks = 0;
  const upstream = await startTestUpstream((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/healthz') {
      healthChecks++;
      return res.end('ok');
    }
    arrived.push(String(req.headers['x-name'] ?? ''));
    waiting.push(res);
  });
  upstreams.push(upstream);
  return {
    url: upstream.url,
    arrived,
    healthChecks: () => healthChecks,
    releaseOne: () => waiting.shift()?.end('done'),
    releaseAll: () => waiting.splice(0).forEach((res) => res.end('done')),
    held: () => waiting.length,
  };
}

async function countingUpstream(
  answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok'),
): Promise<{ url: string; served: () => number }> {
  let served = 0;
  const upstream = await startTestUpstream((req, res) => {
    if (req.url !== '/healthz') served++;
    answer(req, res);
  });
  upstreams.push(upstream);
  return { url: upstream.url, served: () => served };
}

const overload = (name = 'api') => gateway!.gateway.status().find((p) => p.name === name)?.overload;

describe('rate limits', () => {
  it('answers 429 with Retry-After and the IETF RateLimit headers, per key, and never forwards the refused', async () => {
    const upstream = await countingUpstream();
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [
        {
          pool: 'api',
          rate_limits: [
            { key: 'header:x-api-key', rate: '1/m', burst: 3 },
            // Slow rates, so the few ms between requests refill nothing the headers would show.
            { key: 'ip', rate: '100/h', burst: 100 },
          ],
        },
      ],
    });
    const alice = { 'x-api-key': 'sk-alice-secret' };
    const answers = [];
    const finished = captureChannel<RequestEvent>(channelNames.request);
    for (let i = 0; i < 4; i++) answers.push(await send(gateway.url, alice));
    finished.stop();
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    // The refusal is the pool's too: per-pool dashboards of bulwark_gateway_requests_total count it.
    expect(finished.events.map((e) => [e.status, e.pool])).toEqual([
      [200, 'api'],
      [200, 'api'],
      [200, 'api'],
      [429, 'api'],
    ]);
    expect(answers[0]!.headers['ratelimit-policy']).toBe('"header:x-api-key";q=3;w=180, "ip";q=100;w=3600');
    expect(answers.map((a) => a.headers['ratelimit'])).toEqual([
      '"header:x-api-key";r=2;t=60, "ip";r=99;t=36',
      '"header:x-api-key";r=1;t=120, "ip";r=98;t=72',
      '"header:x-api-key";r=0;t=180, "ip";r=97;t=108',
      // Refused: the ip bucket gave nothing, so it still holds 97.
      '"header:x-api-key";r=0;t=180, "ip";r=97;t=108',
    ]);
    const refused = answers[3]!;
    expect(refused.code).toBe('GW_RATE_LIMITED');
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.headers['content-type']).toBe('application/json');
    // The key is hashed before it is used: it appears nowhere in what the client gets back.
    expect(JSON.stringify(answers)).not.toContain('sk-alice-secret');
    expect(upstream.served()).toBe(3);
    // Another key has its own bucket; a request without the header meets only the ip limit.
    expect((await send(gateway.url, { 'x-api-key': 'sk-bob' })).status).toBe(200);
    const anonymous = await send(gateway.url);
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers['ratelimit']).toMatch(/^"ip";r=\d+;t=\d+$/);
  });

  it('shares one bucket across the route with key: route', async () => {
    const upstream = await countingUpstream();
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'api', rate_limits: [{ key: 'route', rate: '2/m' }] }],
    });
    const statuses = [];
    for (const key of ['a', 'b', 'c']) statuses.push((await send(gateway.url, { 'x-api-key': key })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('concurrency limit and queue', () => {
  it('admits up to the limit, queues up to queue.max, sheds beyond, and times waiters out with 503', async () => {
    const upstream = await heldUpstream();
    gateway = await startTestGateway({
      pools: {
        api: { endpoints: [{ url: upstream.url }], concurrency: 2, queue: { max: 2, timeout: '300ms' } },
      },
      routes: [{ pool: 'api' }],
    });
    const url = gateway.url;
    const inFlight = [send(url), send(url)];
    await eventually(() => upstream.held() === 2, 5_000, 'two requests at the upstream');
    const queued = [send(url), send(url)];
    await eventually(() => overload()?.queued === 2, 5_000, 'two requests queued');
    const shed = await send(url);
    expect(shed.status).toBe(503);
    expect(shed.code).toBe('GW_SHED');
    expect(shed.headers['retry-after']).toBe('1');
    const timedOut = await Promise.all(queued);
    expect(timedOut.map((a) => [a.status, a.code, a.headers['retry-after']])).toEqual([
      [503, 'GW_QUEUE_TIMEOUT', '1'],
      [503, 'GW_QUEUE_TIMEOUT', '1'],
    ]);
    expect(upstream.arrived.length).toBe(2);
    upstream.releaseAll();
    expect((await Promise.all(inFlight)).map((a) => a.status)).toEqual([200, 200]);
    expect(overload()).toMatchObject({
      limit: 2,
      inFlight: 0,
      queued: 0,
      shedTotal: 1,
      queueTimeoutsTotal: 2,
    });
  });

  it('serves the queue by priority (from the trusted header), first come first served within a class', async () => {
    const upstream = await heldUpstream();
    gateway = await startTestGateway({
      pools: {
        api: { endpoints: [{ url: upstream.url }], concurrency: 1, queue: { max: 10, timeout: '30s' } },
      },
      routes: [{ pool: 'api', priority: 'default', priority_header: 'x-priority' }],
    });
    const url = gateway.url;
    const all = [send(url, { 'x-name': 'first' })];
    await eventually(() => upstream.held() === 1, 5_000, 'the first request at the upstream');
    const arrivals: [string, string | undefined][] = [
      ['s1', 'sheddable'],
      ['d1', undefined],
      ['s2', 'SHEDDABLE'],
      ['c1', 'critical'],
      ['d2', 'nonsense'],
      ['c2', 'critical'],
    ];
    for (const [name, priority] of arrivals) {
      all.push(send(url, { 'x-name': name, ...(priority ? { 'x-priority': priority } : {}) }));
      const expected = all.length - 1;
      await eventually(() => overload()?.queued === expected, 5_000, `${name} queued`);
    }
    while (upstream.arrived.length < 7) {
      const before = upstream.arrived.length;
      upstream.releaseOne();
      await eventually(() => upstream.arrived.length > before, 5_000, 'the next request to arrive');
    }
    upstream.releaseAll();
    expect((await Promise.all(all)).every((a) => a.status === 200)).toBe(true);
    // An unknown class in the header falls back to the route's (default).
    expect(upstream.arrived).toEqual(['first', 'c1', 'c2', 'd1', 'd2', 's1', 's2']);
  });

  it('sheds sheddable waiters first when the queue is full and more important requests arrive', async () => {
    const upstream = await heldUpstream();
    gateway = await startTestGateway({
      pools: {
        api: { endpoints: [{ url: upstream.url }], concurrency: 1, queue: { max: 2, timeout: '30s' } },
      },
      routes: [{ pool: 'api', priority_header: 'x-priority' }],
    });
    const url = gateway.url;
    const first = send(url, { 'x-name': 'first' });
    await eventually(() => upstream.held() === 1, 5_000, 'the first request at the upstream');
    const s1 = send(url, { 'x-name': 's1', 'x-priority': 'sheddable' });
    const s2 = send(url, { 'x-name': 's2', 'x-priority': 'sheddable' });
    await eventually(() => overload()?.queued === 2, 5_000, 'two sheddable requests queued');
    const c1 = send(url, { 'x-name': 'c1', 'x-priority': 'critical' });
    expect(await s2).toMatchObject({ status: 503, code: 'GW_SHED' });
    const d1 = send(url, { 'x-name': 'd1' });
    expect(await s1).toMatchObject({ status: 503, code: 'GW_SHED' });
    // Now the queue holds c1 and d1: another default request has nobody below it to displace.
    expect(await send(url, { 'x-name': 'd2' })).toMatchObject({ status: 503, code: 'GW_SHED' });
    upstream.releaseOne();
    await eventually(() => upstream.arrived.length === 2, 5_000, 'c1 at the upstream');
    upstream.releaseOne();
    await eventually(() => upstream.arrived.length === 3, 5_000, 'd1 at the upstream');
    upstream.releaseAll();
    expect((await Promise.all([first, c1, d1])).map((a) => a.status)).toEqual([200, 200, 200]);
    expect(upstream.arrived).toEqual(['first', 'c1', 'd1']);
  });

  it('caps each endpoint (endpoint_max_in_flight) and queues the overflow for the first endpoint to free up', async () => {
    const a = await heldUpstream();
    const b = await heldUpstream();
    gateway = await startTestGateway({
      pools: {
        api: {
          endpoints: [{ url: a.url }, { url: b.url }],
          endpoint_max_in_flight: 1,
          queue: { max: 5, timeout: '30s' },
        },
      },
      routes: [{ pool: 'api' }],
    });
    const url = gateway.url;
    const first = [send(url, { 'x-name': '1' }), send(url, { 'x-name': '2' })];
    await eventually(() => a.held() === 1 && b.held() === 1, 5_000, 'one request at each endpoint');
    const third = send(url, { 'x-name': '3' });
    await eventually(() => overload()?.queued === 1, 5_000, 'the third request queued');
    b.releaseOne();
    await eventually(() => b.arrived.length === 2, 5_000, 'the third request at b, which freed up');
    expect(a.arrived).toEqual([expect.any(String)]);
    a.releaseAll();
    b.releaseAll();
    expect((await Promise.all([...first, third])).map((x) => x.status)).toEqual([200, 200, 200]);
  });

  it('queues requests with bodies too: admission keeps a place for a body still arriving', async () => {
    const slow = await countingUpstream((req, res) => {
      req.resume();
      req.on('end', () => setTimeout(() => res.end('ok'), 100));
    });
    const other = await countingUpstream((req, res) => {
      req.resume();
      req.on('end', () => setTimeout(() => res.end('ok'), 100));
    });
    gateway = await startTestGateway({
      pools: {
        api: {
          endpoints: [{ url: slow.url }, { url: other.url }],
          endpoint_max_in_flight: 1,
          queue: { max: 20, timeout: '10s' },
        },
      },
      routes: [{ pool: 'api' }],
    });
    // Each body is read before the request takes an endpoint: until then the endpoints look free.
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        request(gateway!.url, { method: 'POST', body: `payload ${i}` }).then(async (res) => {
          await res.body.dump();
          return res.statusCode;
        }),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 12 }, () => 200));
    expect(slow.served() + other.served()).toBe(12);
  });

  it('frees the slot of a client that leaves while queued or while in flight', async () => {
    const upstream = await heldUpstream();
    gateway = await startTestGateway({
      pools: {
        api: { endpoints: [{ url: upstream.url }], concurrency: 1, queue: { max: 5, timeout: '30s' } },
      },
      routes: [{ pool: 'api' }],
    });
    const url = gateway.url;
    const inFlight = new AbortController();
    const queued = new AbortController();
    const first = request(url, { signal: inFlight.signal }).catch(() => 'aborted');
    await eventually(() => upstream.held() === 1, 5_000, 'the first request at the upstream');
    const second = request(url, { signal: queued.signal }).catch(() => 'aborted');
    await eventually(() => overload()?.queued === 1, 5_000, 'the second request queued');
    queued.abort();
    await eventually(() => overload()?.queued === 0, 5_000, 'the abandoned waiter to leave the queue');
    inFlight.abort();
    await eventually(() => overload()?.inFlight === 0, 5_000, 'the abandoned request to free its slot');
    expect([await first, await second]).toEqual(['aborted', 'aborted']);
    const third = send(url);
    await eventually(
      () => upstream.held() >= 1 && upstream.arrived.length === 2,
      5_000,
      'a new request admitted',
    );
    upstream.releaseAll();
    expect((await third).status).toBe(200);
  });

  it('never sheds the active health checks: they bypass the gate while it is full', async () => {
    const upstream = await heldUpstream();
    gateway = await startTestGateway({
      pools: {
        api: {
          endpoints: [{ url: upstream.url }],
          concurrency: 1,
          queue: { max: 0, timeout: '1s' },
          health_check: { interval: '20ms', unhealthy_threshold: 1, healthy_threshold: 1 },
        },
      },
      routes: [{ pool: 'api' }],
    });
    const held = send(gateway.url);
    await eventually(() => upstream.held() === 1, 5_000, 'the gate full');
    expect((await send(gateway.url)).code).toBe('GW_SHED');
    const checksBefore = upstream.healthChecks();
    await eventually(
      () => upstream.healthChecks() >= checksBefore + 3,
      5_000,
      'health checks to keep coming',
    );
    expect(gateway.gateway.status()[0]?.endpoints[0]?.isHealthy).toBe(true);
    upstream.releaseAll();
    expect((await held).status).toBe(200);
  });
});

describe('upstream back-pressure', () => {
  it('cools an endpoint down for the Retry-After its upstream sent with a 429, capped by max_cool_down', async () => {
    const busy = await countingUpstream((_req, res) => {
      res.writeHead(429, { 'retry-after': '3600' });
      res.end('slow down');
    });
    const calm = await countingUpstream();
    gateway = await startTestGateway({
      pools: {
        api: {
          balancer: 'round-robin',
          endpoints: [{ url: busy.url }, { url: calm.url }],
          max_cool_down: '30s',
        },
      },
      routes: [{ pool: 'api' }],
    });
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await send(gateway.url)).status);
    // Round-robin sends one of the first two to the busy endpoint; after its 429 it gets nothing more.
    expect(busy.served()).toBe(1);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    const cooling = gateway.gateway.status()[0]!.endpoints.find((e) => e.url.startsWith(busy.url))!;
    expect(cooling.coolDownRemainingMs).toBeGreaterThan(25_000);
    expect(cooling.coolDownRemainingMs).toBeLessThanOrEqual(30_000);
  });

  it("keeps the last endpoint in rotation: one client's 429 does not refuse every client", async () => {
    const quota = await countingUpstream((req, res) => {
      if (req.headers['x-api-key'] !== 'over-quota') return res.end('ok');
      res.writeHead(429, { 'retry-after': '20' });
      res.end('your quota is spent');
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: quota.url }] } },
      routes: [{ pool: 'api' }],
    });
    const refused = await send(gateway.url, { 'x-api-key': 'over-quota' });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('20');
    expect((await send(gateway.url, { 'x-api-key': 'someone-else' })).status).toBe(200);
    expect(gateway.gateway.status()[0]!.endpoints[0]!.coolDownRemainingMs).toBe(0);
  });

  it('throttles a pool whose upstream keeps refusing (SRE formula), but never critical requests', async () => {
    const drowning = await countingUpstream((_req, res) => {
      res.writeHead(503);
      res.end('overloaded');
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: drowning.url }], upstream_throttle: { k: 2 } } },
      routes: [
        { match: { path_prefix: '/critical' }, pool: 'api', priority: 'critical', retry: { attempts: 1 } },
        { pool: 'api', retry: { attempts: 1 } },
      ],
    });
    const answers = [];
    for (let i = 0; i < 200; i++) answers.push(await send(gateway.url));
    const throttled = answers.filter((a) => a.code === 'GW_THROTTLED');
    // With no accepts, P(reject) = n / (n + 1): nearly every request after the first few stays local.
    expect(throttled.length).toBeGreaterThan(150);
    expect(throttled[0]!.status).toBe(503);
    expect(throttled[0]!.headers['retry-after']).toBe('1');
    expect(drowning.served()).toBe(200 - throttled.length);
    expect(overload()?.throttleProbability).toBeGreaterThan(0.9);
    const before = drowning.served();
    for (let i = 0; i < 20; i++) expect((await send(gateway.url, {}, '/critical')).status).toBe(503);
    expect(drowning.served() - before).toBe(20);
  });

  it('never throttles a healthy pool: not slow requests in flight, nor streams their clients leave', async () => {
    const healthy = await countingUpstream((req, res) => {
      if (req.url !== '/events') return void setTimeout(() => res.end('ok'), 300);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: healthy.url }], upstream_throttle: { k: 2 } } },
      routes: [{ pool: 'api' }],
    });
    // Ten slow requests at once on a fresh start: none has been answered when the last is admitted.
    const slow = await Promise.all(Array.from({ length: 10 }, () => send(gateway!.url)));
    expect(slow.map((a) => a.status)).toEqual(Array.from({ length: 10 }, () => 200));
    // Clients that read an event and leave, as SSE clients stop: their upstream said yes.
    for (let i = 0; i < 5; i++) {
      const controller = new AbortController();
      const res = await fetch(`${gateway.url}/events`, { signal: controller.signal });
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
    }
    const after = await Promise.all(Array.from({ length: 10 }, () => send(gateway!.url)));
    expect(after.map((a) => a.status)).toEqual(Array.from({ length: 10 }, () => 200));
    expect(overload()?.throttleProbability ?? 0).toBe(0);
  });
});
