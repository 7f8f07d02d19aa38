import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw, startLimitedGateway, type LimitedGateway } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * A route's prefix bounds what reaches the upstream through it: dot segments, in any spelling, are resolved
 * before matching and the resolved path is what the upstream gets (nginx, Envoy's normalize_path). The
 * upstream reads its path the way most JavaScript servers do, with the WHATWG URL parser, which ends the path
 * at `#` and takes `\` for `/`; and it echoes the Host it was given, as an upstream building links from it
 * would use it.
 */

let upstream: TestUpstream;
let gateway: LimitedGateway;
const seen: { url: string; path: string; host: string | undefined }[] = [];

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    const path = new URL(req.url ?? '/', 'http://upstream.internal').pathname;
    seen.push({ url: req.url!, path, host: req.headers.host });
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
    expect(seen.at(-1)).toEqual({ url: '/public/b?next=/../x', path: '/public/b', host: 'api.test' });
  });

  it('takes an absolute-form target, with its authority as the Host', async () => {
    const reply = await get('http://shop.example/public/item?id=1', 'ignored.example');
    expect(reply.status).toBe(200);
    expect(seen.at(-1)).toEqual({ url: '/public/item?id=1', path: '/public/item', host: 'shop.example' });
  });
});

describe('a request target the upstream would read as another path', () => {
  it.each(['/public/..\\admin', '/public/x/..\\..\\admin', '/public/.\\..\\admin'])(
    '%s (a backslash in the path) is refused with 400 and the upstream serves nothing; one in the query is forwarded',
    async (target) => {
      const before = seen.length;
      const reply = await get(target);
      expect(reply.status, reply.text).toBe(400);
      expect(reply.errorCode).toBe('GW_BAD_REQUEST');
      expect(seen.length).toBe(before);
      // In the query a backslash is only a character.
      const inQuery = await get(`/public/search?q=${target}`);
      expect(inQuery.status, inQuery.text).toBe(200);
      expect(seen.at(-1)?.path).toBe('/public/search');
    },
  );

  it.each(['/public/..#', '/public/%2e%2e#x', '/public/item#top'])(
    '%s (a fragment, which no request target has) is refused with 400, as Envoy does',
    async (target) => {
      const before = seen.length;
      const reply = await get(target);
      expect(reply.status, reply.text).toBe(400);
      expect(reply.errorCode).toBe('GW_BAD_REQUEST');
      expect(seen.length).toBe(before);
    },
  );
});

const validHosts = ['api.test', 'api.test:8080', '127.0.0.1:80', '[::1]:8443'];

describe('the Host header', () => {
  it.each(['evil.example/reset?x=', 'evil.example good.example', 'user@evil.example', 'a"b'])(
    'Host: %s (not a host[:port]) is refused with 400 (RFC 9112 §3.2); every valid one is forwarded as it came',
    async (host) => {
      const before = seen.length;
      const reply = await get('/public/x', host);
      expect(reply.status, reply.text).toBe(400);
      expect(reply.errorCode).toBe('GW_BAD_REQUEST');
      expect(seen.length).toBe(before);
      for (const valid of validHosts) {
        const forwarded = await get('/public/x', valid);
        expect(forwarded.status, forwarded.text).toBe(200);
        expect(seen.at(-1)?.host).toBe(valid);
      }
    },
  );

  // RFC 9110 §4.2.1: an http(s) URI has a host; a request naming none is refused as one without Host is.
  it.each([
    ['HTTP/1.1, nothing after the colon', 'GET /public/x HTTP/1.1\r\nHost:\r\n\r\n'],
    ['HTTP/1.1, only spaces', 'GET /public/x HTTP/1.1\r\nHost:   \r\n\r\n'],
    ['HTTP/1.0', 'GET /public/x HTTP/1.0\r\nHost:\r\n\r\n'],
  ])('an empty Host (%s) is refused with 400 and never forwarded', async (_name, request) => {
    const before = seen.length;
    const reply = await sendRaw(gateway.port, request);
    expect(reply.status, reply.text).toBe(400);
    expect(reply.errorCode).toBe('GW_BAD_REQUEST');
    expect(reply.text).toContain('Host is empty');
    expect(seen.length).toBe(before);
  });
});
