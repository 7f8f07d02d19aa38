import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { countingUpstream, send } from '../support/overload-fixtures.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

let gateway: TestGateway | undefined;
const upstreams: TestUpstream[] = [];

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

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

const overload = (name = 'api') => gateway!.gateway.status().find((p) => p.name === name)?.overload;

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
    const slow = await countingUpstream(upstreams, (req, res) => {
      req.resume();
      req.on('end', () => setTimeout(() => res.end('ok'), 100));
    });
    const other = await countingUpstream(upstreams, (req, res) => {
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
