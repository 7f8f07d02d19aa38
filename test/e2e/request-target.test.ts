import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw, startLimitedGateway, type LimitedGateway } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * A route's prefix bounds what reaches the upstream through it: dot segments, in any spelling, are resolved
 * before matching and the resolved path is what the upstream gets (nginx, Envoy's normalize_path).
 */

let upstream: TestUpstream;
let gateway: LimitedGateway;
const seen: { url: string; host: string | undefined }[] = [];

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    seen.push({ url: req.url!, host: req.headers.host });
    res.end('ok');
  });
  gateway = await startLimitedGateway({
    pools: { api: { endpoints: [{ url: upstream.url }] } },
    routes: [{ match: { path_prefix: '/public/' }, pool: 'api' }],
  });
});

afterAll(async () => {
  await gateway.stop();
  await upstream.close();
});

const get = (target: string, host = 'api.test') =>
  sendRaw(gateway.port, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);

describe('request targets', () => {
  it.each(['/public/../internal/secret', '/public/%2e%2e/internal/secret', '/public/.%2E/internal/secret'])(
    '%s leaves the /public/ route: 404, and the upstream never sees it',
    async (target) => {
      const before = seen.length;
      const reply = await get(target);
      expect(reply.status).toBe(404);
      expect(reply.errorCode).toBe('GW_ROUTE_NOT_FOUND');
      expect(seen.length).toBe(before);
    },
  );

  it('forwards the resolved path, query unchanged', async () => {
    const reply = await get('/public/a/%2e%2e/./b?next=/../x');
    expect(reply.status).toBe(200);
    expect(seen.at(-1)).toEqual({ url: '/public/b?next=/../x', host: 'api.test' });
  });

  it('takes an absolute-form target, with its authority as the Host', async () => {
    const reply = await get('http://shop.example/public/item?id=1', 'ignored.example');
    expect(reply.status).toBe(200);
    expect(seen.at(-1)).toEqual({ url: '/public/item?id=1', host: 'shop.example' });
  });
});
