import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/index.ts';
import { sendRaw, startLimitedGateway, type LimitedGateway } from '../support/raw-http.ts';
import { closeRawUpstreams, startRawUpstream, type RawUpstream } from '../support/raw-upstream.ts';

/**
 * What the gateway neutralises between a client and its upstream, byte for byte: a raw upstream records the
 * request head it received and answers with `answer`, so header bytes no node server would write can be sent.
 */
let gateway: LimitedGateway | undefined;

async function gatewayTo(
  upstream: RawUpstream,
  pool: Record<string, unknown> = {},
  others: Record<string, unknown> = {},
): Promise<LimitedGateway> {
  const config: Omit<ConfigInput, 'listen'> = {
    pools: { app: { endpoints: [{ url: upstream.url }], ...pool }, ...others },
    routes: [{ match: { path_prefix: '/public/' }, pool: 'app' }],
  };
  gateway = await startLimitedGateway(config);
  return gateway;
}

const get = (port: number, target: string, extra = '') =>
  sendRaw(port, `GET ${target} HTTP/1.1\r\nHost: a.example\r\n${extra}Connection: close\r\n\r\n`);

const ok = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await closeRawUpstreams();
});

describe('request headers a proxy must not pass on', () => {
  it('drops Proxy (httpoxy) and names with underscores, which CGI reads as the headers the gateway sets', async () => {
    const upstream = await startRawUpstream(ok);
    const { port } = await gatewayTo(upstream);
    const extra = 'Proxy: http://evil.example:8080\r\nX_Forwarded_For: 6.6.6.6\r\nApi-Key: k\r\n';
    const reply = await get(port, '/public/a', extra);
    expect(reply.status, reply.text).toBe(200);
    const head = upstream.heads[0]!.toLowerCase();
    expect(head).not.toMatch(/^proxy:/m);
    expect(head).not.toContain('x_forwarded_for');
    expect(head).toContain('\r\napi-key: k');
    expect(head).toContain('\r\nx-forwarded-for: 127.0.0.1');
  });

  it("appends its own element to a client's Forwarded, so the last one is the gateway's", async () => {
    const upstream = await startRawUpstream(ok);
    const { port } = await gatewayTo(upstream);
    const reply = await get(port, '/public/a', 'Forwarded: for=6.6.6.6;proto=https\r\n');
    expect(reply.status, reply.text).toBe(200);
    expect(upstream.heads[0]).toContain(
      '\r\nforwarded: for=6.6.6.6;proto=https, for=127.0.0.1;proto=http;host="a.example"',
    );
  });
});

describe('an encoded slash that would leave the prefix at a decoding upstream', () => {
  it.each(['/public/..%2fadmin', '/public/%2e%2e%2fadmin', '/public/x/.%2E%2Fadmin', '/public/..%5Cadmin'])(
    '%s is refused with 400 naming the reason, and the upstream sees nothing',
    async (target) => {
      const upstream = await startRawUpstream(ok);
      const { port } = await gatewayTo(upstream);
      const reply = await get(port, target);
      expect(reply.status, reply.text).toBe(400);
      expect(reply.errorCode).toBe('GW_BAD_REQUEST');
      expect(reply.text).toContain('an encoded slash (%2F or %5C) beside a dot segment');
      expect(upstream.heads).toEqual([]);
    },
  );

  it('an encoded slash inside an id, or in the query, is forwarded unchanged', async () => {
    const upstream = await startRawUpstream(ok);
    const { port } = await gatewayTo(upstream);
    const passed = await get(port, '/public/projects/group%2Frepo?q=..%2f');
    expect(passed.status, passed.text).toBe(200);
    expect(upstream.heads[0]).toMatch(/^GET \/public\/projects\/group%2Frepo\?q=\.\.%2f HTTP\/1\.1\r\n/);
  });
});

describe('response header bytes', () => {
  it('an obs-text byte in a streamed response header reaches the client as sent, not re-encoded', async () => {
    const stream =
      'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-A: caf\xe9\r\nContent-Length: 9\r\n\r\n';
    const upstream = await startRawUpstream(`${stream}data: x\n\n`);
    const { port } = await gatewayTo(upstream);
    const reply = await get(port, '/public/events');
    expect(reply.status, reply.text).toBe(200);
    expect(Buffer.from(reply.text, 'latin1').toString('hex')).toContain(
      Buffer.from('x-a: caf\xe9\r\n', 'latin1').toString('hex'),
    );
  });
});

describe('an upstream answer with headers over the limit', () => {
  const big = `HTTP/1.1 200 OK\r\nX-Big: ${'b'.repeat(20_000)}\r\nContent-Length: 2\r\n\r\nok`;

  it('is a 502 that says so, and never ejects the endpoint that sent it', async () => {
    const upstream = await startRawUpstream(big);
    const spare = await startRawUpstream(ok);
    // With a failover pool even the last endpoint may be ejected, after 5 consecutive failures by default.
    const { port, gateway: data } = await gatewayTo(
      upstream,
      { failover: 'spare' },
      { spare: { endpoints: [{ url: spare.url }] } },
    );
    for (let i = 0; i < 6; i++) {
      const reply = await get(port, '/public/cookies');
      expect(reply.status, reply.text).toBe(502);
      expect(reply.text).toContain('response headers larger than max_response_header_bytes');
    }
    expect(upstream.heads.length).toBe(6);
    expect(spare.heads).toEqual([]);
    expect(data.status()[0]?.endpoints.map((endpoint) => endpoint.isEjected)).toEqual([false]);
  });

  it('passes when the pool allows it (max_response_header_bytes)', async () => {
    const upstream = await startRawUpstream(big);
    const { port } = await gatewayTo(upstream, { max_response_header_bytes: '32KiB' });
    const reply = await get(port, '/public/cookies');
    expect(reply.status, reply.text.slice(0, 200)).toBe(200);
    expect(reply.text).toContain('b'.repeat(20_000));
  });
});
