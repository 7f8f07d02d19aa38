import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { countingUpstream, send } from '../support/overload-fixtures.ts';
import type { TestUpstream } from '../support/test-upstream.ts';

let gateway: TestGateway | undefined;
const upstreams: TestUpstream[] = [];

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

const overload = (name = 'api') => gateway!.gateway.status().find((p) => p.name === name)?.overload;

describe('upstream back-pressure', () => {
  it('cools an endpoint down for the Retry-After its upstream sent with a 429, capped by max_cool_down', async () => {
    const busy = await countingUpstream(upstreams, (_req, res) => {
      res.writeHead(429, { 'retry-after': '3600' });
      res.end('slow down');
    });
    const calm = await countingUpstream(upstreams);
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
    const quota = await countingUpstream(upstreams, (req, res) => {
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
    const drowning = await countingUpstream(upstreams, (_req, res) => {
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
    const healthy = await countingUpstream(upstreams, (req, res) => {
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
