import { afterEach, describe, expect, it } from 'vitest';
import { channelNames, type RequestEvent } from '../../src/core/events.ts';
import { startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { countingUpstream, send } from '../support/overload-fixtures.ts';
import { captureChannel } from '../support/pool-fixtures.ts';
import type { TestUpstream } from '../support/test-upstream.ts';

let gateway: TestGateway | undefined;
const upstreams: TestUpstream[] = [];

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

describe('rate limits', () => {
  it('answers 429 with Retry-After and the IETF RateLimit headers, per key, and never forwards the refused', async () => {
    const upstream = await countingUpstream(upstreams);
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
    const upstream = await countingUpstream(upstreams);
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'api', rate_limits: [{ key: 'route', rate: '2/m' }] }],
    });
    const statuses = [];
    for (const key of ['a', 'b', 'c']) statuses.push((await send(gateway.url, { 'x-api-key': key })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
