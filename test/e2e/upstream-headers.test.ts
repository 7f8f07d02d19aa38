import type { IncomingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startBulwark, type RunningBulwark } from '../../src/app.ts';
import { parseConfigText } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { sendRaw } from '../support/raw-http.ts';
import { startTrustedHttpsServer } from '../support/self-signed.ts';
import { startTestUpstream } from '../support/test-upstream.ts';

let bulwark: RunningBulwark | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  await bulwark?.stop();
  bulwark = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Seen {
  readonly headers: IncomingHttpHeaders;
  /** The SNI of an https upstream's connection. */
  readonly serverName?: string | false | null;
}

/** An http upstream that records the headers of each request and of each WebSocket handshake. */
async function echoUpstream(seen: Seen[]): Promise<string> {
  const upstream = await startTestUpstream((req, res) => {
    seen.push({ headers: req.headers });
    res.end('ok');
  });
  upstream.server.on('upgrade', (req, socket) => {
    seen.push({ headers: req.headers });
    socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
  });
  cleanups.push(() => upstream.close());
  return upstream.url;
}

/** An https upstream with a certificate for localhost, trusted by this process for the test. */
async function httpsEchoUpstream(seen: Seen[]): Promise<number> {
  const upstream = await startTrustedHttpsServer((req, res) => {
    seen.push({ headers: req.headers, serverName: (req.socket as TLSSocket).servername });
    res.end('ok');
  });
  cleanups.push(() => upstream.close());
  return upstream.port;
}

/** Bulwark with one route to `endpointUrl`; `routeYaml` is the rest of that route's mapping. */
async function gatewayTo(endpointUrl: string, routeYaml: string, env = {}): Promise<RunningBulwark> {
  const text = [
    'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
    'logging: { level: silent }',
    `pools: { llm: { endpoints: [{ url: "${endpointUrl}" }] } }`,
    'routes:',
    `  - { pool: llm, ${routeYaml} }`,
  ].join('\n');
  const config = parseConfigText(text, { env });
  return startBulwark(config, { logger: createLogger({ level: 'silent' }) });
}

const clientHeaders = {
  host: 'gateway.example.test',
  authorization: 'Bearer the-clients-own-token',
  cookie: 'session=client',
  'x-forwarded-for': '203.0.113.7',
  accept: 'application/json',
};

describe('a route that rewrites the request headers', () => {
  it("injects the provider key over the client's Authorization, removes what it lists and sends a fixed Host", async () => {
    const seen: Seen[] = [];
    const url = await echoUpstream(seen);
    const route = [
      'upstream_host: api.openai.test,',
      'request_headers: {',
      '  set: { Authorization: "Bearer ${PROVIDER_KEY}", OpenAI-Beta: assistants=v2 },',
      '  remove: [cookie, x-forwarded-for] }',
    ].join(' ');
    bulwark = await gatewayTo(url, route, { PROVIDER_KEY: 'sk-provider-key' });
    const response = await request(`${bulwark.gatewayUrl}/v1/chat`, { headers: clientHeaders });
    expect(response.statusCode, await response.body.text()).toBe(200);
    const [received] = seen;
    expect(received?.headers).toMatchObject({
      host: 'api.openai.test',
      authorization: 'Bearer sk-provider-key',
      'openai-beta': 'assistants=v2',
      accept: 'application/json',
      'x-forwarded-host': 'gateway.example.test',
    });
    // Removed after X-Forwarded-* is built: neither the client's chain nor the gateway's addition is sent.
    expect(received?.headers.cookie).toBeUndefined();
    expect(received?.headers['x-forwarded-for']).toBeUndefined();
  });

  it("sends the endpoint's own host:port for `upstream_host: endpoint`, on requests and WebSocket handshakes", async () => {
    const seen: Seen[] = [];
    const url = await echoUpstream(seen);
    bulwark = await gatewayTo(url, 'upstream_host: endpoint');
    const response = await request(`${bulwark.gatewayUrl}/v1/models`, { headers: clientHeaders });
    expect(response.statusCode, await response.body.text()).toBe(200);
    const handshake = [
      'GET /v1/realtime HTTP/1.1',
      'Host: gateway.example.test',
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n');
    const reply = await sendRaw(Number(new URL(bulwark.gatewayUrl).port), handshake);
    expect(reply.status, reply.text).toBe(101);
    const endpointHost = new URL(url).host;
    expect(seen.map((s) => s.headers.host)).toEqual([endpointHost, endpointHost]);
    // Nothing else is touched: the client's Authorization passes as it came.
    expect(seen[0]?.headers.authorization).toBe(clientHeaders.authorization);
  });

  it('keeps TLS on the endpoint name (SNI and certificate) whatever Host it sends', async () => {
    const seen: Seen[] = [];
    const port = await httpsEchoUpstream(seen);
    bulwark = await gatewayTo(`https://localhost:${port}`, 'upstream_host: endpoint');
    const first = await request(`${bulwark.gatewayUrl}/`, { headers: clientHeaders });
    expect(first.statusCode, await first.body.text()).toBe(200);
    await bulwark.stop();
    bulwark = await gatewayTo(`https://localhost:${port}`, 'upstream_host: api.openai.test');
    const second = await request(`${bulwark.gatewayUrl}/`, { headers: clientHeaders });
    expect(second.statusCode, await second.body.text()).toBe(200);
    expect(seen.map((s) => [s.headers.host, s.serverName])).toEqual([
      [`localhost:${port}`, 'localhost'],
      ['api.openai.test', 'localhost'],
    ]);
  });
});
