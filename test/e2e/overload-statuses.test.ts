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

/** A hosted provider called with each client's own key: one key is over its quota, the others are fine. */
async function perKeyQuotaUpstream() {
  return countingUpstream(upstreams, (req, res) => {
    if (req.headers['x-api-key'] !== 'over-quota') return res.end('ok');
    res.writeHead(429, { 'retry-after': '30' });
    res.end('your quota is spent');
  });
}

describe('overload_statuses', () => {
  it("with [503], one key's quota 429s neither throttle nor cool down the pool for other keys", async () => {
    const first = await perKeyQuotaUpstream();
    const second = await perKeyQuotaUpstream();
    gateway = await startTestGateway({
      pools: {
        one: {
          balancer: 'round-robin',
          endpoints: [{ url: first.url }, { url: second.url }],
          concurrency: 3,
          upstream_throttle: { k: 2, window: '10s' },
          overload_statuses: [503],
        },
      },
      routes: [{ pool: 'one', retry: { attempts: 1 } }],
    });
    const abuser = [];
    for (let i = 0; i < 60; i++) abuser.push(await send(gateway.url, { 'x-api-key': 'over-quota' }));
    expect(abuser.every((a) => a.status === 429 && a.code === undefined)).toBe(true);
    const good = [];
    for (let i = 0; i < 30; i++) good.push(await send(gateway.url, { 'x-api-key': 'paid-tier' }));
    expect(good.map((a) => a.status)).toEqual(Array.from({ length: 30 }, () => 200));
    const pool = gateway.gateway.status()[0]!;
    expect(pool.overload?.throttleProbability).toBe(0);
    expect(pool.endpoints.map((e) => e.coolDownRemainingMs)).toEqual([0, 0]);
    // Both endpoints kept serving: neither left rotation on the abuser's Retry-After.
    expect(first.served()).toBe(45);
    expect(second.served()).toBe(45);
  });

  it('with [503], a 503 with Retry-After still cools its endpoint down and feeds the throttle', async () => {
    const drowning = await countingUpstream(upstreams, (_req, res) => {
      res.writeHead(503, { 'retry-after': '30' });
      res.end('queue full');
    });
    const calm = await countingUpstream(upstreams);
    const overloaded = { upstream_throttle: { k: 2 }, overload_statuses: [503 as const] };
    gateway = await startTestGateway({
      pools: {
        one: {
          balancer: 'round-robin',
          endpoints: [{ url: drowning.url }, { url: calm.url }],
          ...overloaded,
        },
        solo: { endpoints: [{ url: drowning.url }], ...overloaded },
      },
      routes: [
        { match: { path_prefix: '/solo' }, pool: 'solo', retry: { attempts: 1 } },
        { pool: 'one', retry: { attempts: 1 } },
      ],
    });
    for (let i = 0; i < 4; i++) await send(gateway.url);
    expect(drowning.served()).toBe(1);
    const one = gateway.gateway.status().find((p) => p.name === 'one')!;
    expect(one.endpoints[0]!.coolDownRemainingMs).toBeGreaterThan(25_000);
    const answers = [];
    for (let i = 0; i < 50; i++) answers.push(await send(gateway.url, {}, '/solo'));
    expect(answers.filter((a) => a.code === 'GW_THROTTLED').length).toBeGreaterThan(30);
  });
});
