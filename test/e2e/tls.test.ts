import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import {
  connect as connectHttp2,
  type ClientHttp2Session,
  type IncomingHttpHeaders as Http2Headers,
} from 'node:http2';
import { join } from 'node:path';
import { connect as connectTls, type PeerCertificate } from 'node:tls';
import { Agent, request, WebSocket as UndiciWebSocket } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startBulwark, type RunningBulwark } from '../../src/app.ts';
import { configSchema, loadConfigFile } from '../../src/config/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { httpHealthProbe } from '../../src/runtime/http-health-probe.ts';
import { defaultServerLimits } from '../../src/gateway/server.ts';
import { startTlsServer } from '../../src/gateway/tls-server.ts';
import { createLogger } from '../../src/observability/index.ts';
import { channelNames, type RequestEvent } from '../../src/core/events.ts';
import { eventually } from '../support/gateway-harness.ts';
import { captureChannel } from '../support/pool-fixtures.ts';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from '../support/self-signed.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';
import { startWebSocketEcho, type WebSocketEcho } from '../support/ws-echo.ts';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly bodyBytes: number;
}

let bulwark: RunningBulwark | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  await bulwark?.stop();
  bulwark = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function certificate(): Promise<SelfSignedCertificate> {
  const made = await makeSelfSignedCertificate();
  cleanups.push(() => made.remove());
  return made;
}

/** Answers with what it saw, and with hop-by-hop headers an HTTP/2 response must never carry. */
async function recordingUpstream(seen: Seen[]): Promise<TestUpstream> {
  const upstream = await startTestUpstream((req, res) => {
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes });
      res.writeHead(200, {
        'content-type': 'text/plain',
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
      });
      res.end(`${req.method} ${req.url} ${bodyBytes}`);
    });
  });
  cleanups.push(() => upstream.close());
  return upstream;
}

async function startWithTls(upstreamUrl: string, cert: SelfSignedCertificate): Promise<RunningBulwark> {
  const file = join(cert.certPath, '..', 'bulwark.yaml');
  await writeFile(
    file,
    [
      'listen:',
      '  gateway: 127.0.0.1:0',
      '  admin: 127.0.0.1:0',
      `  gateway_tls: { address: 127.0.0.1:0, cert: "${cert.certPath}", key: "${cert.keyPath}" }`,
      'logging: { level: silent }',
      'gateway: { drain_timeout: 1s }',
      `pools: { api: { endpoints: [{ url: "${upstreamUrl}" }] } }`,
      'routes: [{ pool: api }]',
    ].join('\n'),
  );
  const config = await loadConfigFile(file);
  return startBulwark(config, { configPath: file, watch: false, logger: createLogger({ level: 'silent' }) });
}

function tlsUrlOf(running: RunningBulwark): string {
  const url = running.gatewayTlsUrl;
  if (!url) throw new Error('no TLS listener');
  return url;
}

async function http2Request(
  session: ClientHttp2Session,
  headers: Record<string, string>,
  bodyParts: readonly string[] = [],
): Promise<{ headers: Http2Headers; body: string }> {
  const stream = session.request(headers, { endStream: bodyParts.length === 0 });
  for (const part of bodyParts) stream.write(part);
  if (bodyParts.length > 0) stream.end();
  const [responseHeaders] = (await once(stream, 'response')) as [Http2Headers];
  let body = '';
  for await (const chunk of stream) body += String(chunk);
  return { headers: responseHeaders, body };
}

async function peerCertificate(url: string): Promise<PeerCertificate> {
  const { hostname, port } = new URL(url);
  const socket = connectTls({ host: hostname, port: Number(port), rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  const peer = socket.getPeerCertificate();
  socket.destroy();
  return peer;
}

/** Writes raw bytes over TLS as HTTP/1.1 and returns the status line of the answer, once the gateway hangs up. */
async function rawHttp1OverTls(url: string, text: string): Promise<string> {
  const socket = connectTls({
    host: '127.0.0.1',
    port: Number(new URL(url).port),
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
  });
  await once(socket, 'secureConnect');
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += String(chunk)));
  socket.write(text);
  await once(socket, 'close');
  return answer.split('\r\n')[0] ?? '';
}

describe('TLS listener', () => {
  it('serves HTTP/1.1 over TLS on the same routes, with X-Forwarded-Proto https', async () => {
    const [cert, seen] = [await certificate(), [] as Seen[]];
    const upstream = await recordingUpstream(seen);
    bulwark = await startWithTls(upstream.url, cert);
    const tlsUrl = tlsUrlOf(bulwark);
    const client = new Agent({ connect: { ca: cert.certPem } });
    cleanups.push(() => client.close());
    const res = await request(`${tlsUrl}/v1/items?x=1`, { method: 'POST', body: 'abc', dispatcher: client });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('POST /v1/items?x=1 3');
    expect(res.headers['x-request-id']).toBe(seen[0]?.headers['x-request-id']);
    const host = new URL(tlsUrl).host;
    expect(seen[0]?.headers).toMatchObject({ host, 'x-forwarded-host': host, 'x-forwarded-proto': 'https' });
    // The plain listener keeps serving alongside it.
    expect((await request(`${bulwark.gatewayUrl}/plain`)).statusCode).toBe(200);
  });

  it('serves HTTP/2 by ALPN: pseudo-headers become the request line and Host, bodies stream both ways', async () => {
    const [cert, seen] = [await certificate(), [] as Seen[]];
    const upstream = await recordingUpstream(seen);
    bulwark = await startWithTls(upstream.url, cert);
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.message);
    process.on('warning', onWarning);
    cleanups.push(() => void process.off('warning', onWarning));
    const session = connectHttp2(tlsUrlOf(bulwark), { ca: cert.certPem });
    cleanups.push(() => void session.close());
    await once(session, 'connect');
    expect(session.alpnProtocol).toBe('h2');

    const get = await http2Request(session, { ':method': 'GET', ':path': '/h2/get?y=2' });
    expect(get.headers[':status']).toBe(200);
    expect(get.body).toBe('GET /h2/get?y=2 0');
    // Connection-specific headers are forbidden in HTTP/2 (RFC 9113 §8.2.2); the upstream's were dropped.
    expect(get.headers.connection).toBeUndefined();
    expect(get.headers['keep-alive']).toBeUndefined();
    const host = new URL(tlsUrlOf(bulwark)).host;
    expect(seen[0]?.headers).toMatchObject({ host, 'x-forwarded-host': host, 'x-forwarded-proto': 'https' });
    expect(Object.keys(seen[0]?.headers ?? {}).filter((name) => name.startsWith(':'))).toEqual([]);

    // No Content-Length: HTTP/2 frames the body itself, and it must still reach the upstream.
    const post = await http2Request(session, { ':method': 'POST', ':path': '/h2/post' }, ['hello ', 'world']);
    expect(post.body).toBe('POST /h2/post 11');
    // The upstream's reason phrase is not passed on: HTTP/2 has none, and node warns when given one.
    expect(warnings).toEqual([]);
  });

  it('holds HTTP/1.1 over TLS to the same limits as the plain listener', async () => {
    const cert = await certificate();
    const config = configSchema.parse({
      pools: { api: { endpoints: [{ url: 'http://127.0.0.1:9' }] } },
      routes: [{ pool: 'api' }],
    });
    const gateway = new Gateway(config, {
      clock: systemClock,
      random: Math.random,
      healthProbeFor: httpHealthProbe,
    });
    const limits = { ...defaultServerLimits, headerTimeoutMs: 200, maxHeaderBytes: 1024 };
    const tls = await startTlsServer(
      { host: '127.0.0.1', port: 0 },
      { cert: cert.certPem, key: cert.keyPem },
      gateway.handle,
      limits,
    );
    cleanups.push(
      () => gateway.stop(),
      () => tls.close(),
    );
    const big = `GET / HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(2_000)}\r\n\r\n`;
    expect(await rawHttp1OverTls(tls.url, big)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    const smuggled =
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
    expect(await rawHttp1OverTls(tls.url, smuggled)).toBe('HTTP/1.1 400 Bad Request');
    const slow = 'GET / HTTP/1.1\r\nHost: x\r\n';
    expect(await rawHttp1OverTls(tls.url, slow)).toBe('HTTP/1.1 408 Request Timeout');
    // A request the guard refuses is counted like one refused by the plain listener: unrouted, with its code.
    const refused = captureChannel<RequestEvent>(channelNames.request);
    const twoHosts = 'GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n';
    expect(await rawHttp1OverTls(tls.url, twoHosts)).toBe('HTTP/1.1 400 Bad Request');
    refused.stop();
    expect(refused.events).toMatchObject([{ route: 'none', status: 400, errorCode: 'GW_BAD_REQUEST' }]);
  });

  it('swaps the certificate on reload without a restart, and keeps it when the new files are bad', async () => {
    const [first, second, seen] = [await certificate(), await certificate(), [] as Seen[]];
    const upstream = await recordingUpstream(seen);
    bulwark = await startWithTls(upstream.url, first);
    const tlsUrl = tlsUrlOf(bulwark);
    const fingerprintOf = (pem: string): string => new X509Certificate(pem).fingerprint256;
    expect((await peerCertificate(tlsUrl)).fingerprint256).toBe(fingerprintOf(first.certPem));

    await writeFile(first.certPath, second.certPem);
    await writeFile(first.keyPath, second.keyPem);
    expect(await bulwark.reload()).toMatchObject({ ok: true });
    expect(tlsUrlOf(bulwark)).toBe(tlsUrl);
    expect((await peerCertificate(tlsUrl)).fingerprint256).toBe(fingerprintOf(second.certPem));

    // A key that does not match the certificate fails the reload; the running certificate stays.
    await writeFile(first.keyPath, (await certificate()).keyPem);
    expect(await bulwark.reload()).toMatchObject({ ok: false });
    expect(bulwark.configStatus().lastReload?.error).toMatch(/listen\.gateway_tls\.cert/);
    expect((await peerCertificate(tlsUrl)).fingerprint256).toBe(fingerprintOf(second.certPem));
  });

  it('proxies a WebSocket over TLS (wss) and stops cleanly with the connection open', async () => {
    const cert = await certificate();
    const echo: WebSocketEcho = await startWebSocketEcho();
    cleanups.push(() => echo.close());
    bulwark = await startWithTls(echo.url, cert);
    const client = new Agent({ connect: { ca: cert.certPem } });
    cleanups.push(() => client.destroy());
    const socket = new UndiciWebSocket(`${tlsUrlOf(bulwark).replace('https:', 'wss:')}/live`, {
      dispatcher: client,
    });
    const messages: string[] = [];
    socket.addEventListener('message', (event) => messages.push(String(event.data)));
    await once(socket, 'open');
    socket.send('over tls');
    await eventually(() => messages.length === 1, 5_000, 'the echo');
    expect(messages).toEqual(['over tls']);
    expect(echo.handshakes[0]?.['x-forwarded-proto']).toBe('https');

    const closed = once(socket, 'close');
    await bulwark.stop();
    bulwark = undefined;
    await closed;
    await eventually(() => echo.openConnections === 0, 5_000, 'the upstream side to close');
  });
});
