import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect as connectHttp2, constants as http2Constants } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { startTlsServer } from '../../src/gateway/tls-server.ts';
import { createLogger, subscribeGatewayLogs } from '../../src/observability/index.ts';
import { httpHealthProbe } from '../../src/runtime/http-health-probe.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { eventually, startTestGateway } from '../support/gateway-harness.ts';
import { startBulwarkProcess } from '../support/bulwark-process.ts';
import { writeTempConfig } from '../support/config-file.ts';
import { freePort } from '../support/free-port.ts';
import { startLimitedGateway } from '../support/raw-http.ts';
import { makeSelfSignedCertificate } from '../support/self-signed.ts';
import { startTestUpstream } from '../support/test-upstream.ts';
import { startWebSocketEcho } from '../support/ws-echo.ts';

/** The access log's client, protocol, byte and first-byte fields, read off real requests on 127.0.0.1. */

type LogLine = Record<string, unknown>;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function memoryLog(accessLog: boolean): { lines: LogLine[]; lineFor: (path: string) => LogLine | undefined } {
  const lines: LogLine[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  cleanups.push(subscribeGatewayLogs(logger, { accessLog }));
  return { lines, lineFor: (path) => lines.find((line) => line.event === 'request' && line.path === path) };
}

const responseBody = 'r'.repeat(1234);

describe('access log fields', () => {
  it('carry client address, protocol, user agent, bytes both ways and the upstream first byte (HTTP/1.1)', async () => {
    const clock = new FakeClock();
    const held: (() => void)[] = [];
    const upstream = await startTestUpstream((req, res) => {
      req.resume();
      req.on('end', () => held.push(() => res.end(responseBody)));
    });
    cleanups.push(() => upstream.close());
    const gateway = await startTestGateway(
      {
        pools: { api: { endpoints: [{ url: upstream.url }] } },
        routes: [{ match: { path_prefix: '/v1/' }, pool: 'api' }],
      },
      { clock },
    );
    cleanups.push(() => gateway.stop());
    const log = memoryLog(true);

    const answer = fetch(`${gateway.url}/v1/upload?token=secret`, {
      method: 'POST',
      headers: { 'user-agent': 'curl/8.5.0', 'content-type': 'text/plain' },
      body: 'q'.repeat(777),
    });
    await eventually(() => held.length === 1, 5_000, 'the request at the upstream');
    // The upstream takes 250 ms, on the gateway's clock, to answer.
    clock.advance(250);
    held[0]!();
    expect(await (await answer).text()).toBe(responseBody);
    await eventually(() => log.lineFor('/v1/upload') !== undefined, 5_000, 'the access line');
    expect(log.lineFor('/v1/upload')).toMatchObject({
      msg: 'request',
      status: 200,
      clientAddress: '127.0.0.1',
      protocol: 'HTTP/1.1',
      userAgent: 'curl/8.5.0',
      bytesReceived: 777,
      bytesSent: 1234,
      upstreamFirstByteMs: 250,
      durationMs: 250,
    });
  });

  it('count a body streamed through by its Content-Length (no retries, so nothing is buffered)', async () => {
    const upstream = await startTestUpstream((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    cleanups.push(() => upstream.close());
    const gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ match: { path_prefix: '/v1/' }, pool: 'api', retry: { attempts: 1 } }],
    });
    cleanups.push(() => gateway.stop());
    const log = memoryLog(true);
    const answer = await fetch(`${gateway.url}/v1/stream`, { method: 'PUT', body: 's'.repeat(5000) });
    expect(await answer.text()).toBe('ok');
    await eventually(() => log.lineFor('/v1/stream') !== undefined, 5_000, 'the access line');
    expect(log.lineFor('/v1/stream')).toMatchObject({ bytesReceived: 5000, bytesSent: 2 });
  });

  it('say HTTP/2 for an HTTP/2 request, and keep the client address once the client cancelled', async () => {
    const holds: (() => void)[] = [];
    const upstream = await startTestUpstream((req, res) => {
      if (req.url === '/v1/held') return void holds.push(() => res.destroy());
      res.end(responseBody);
    });
    cleanups.push(() => upstream.close());
    const config = configSchema.parse({
      listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' },
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ match: { path_prefix: '/v1/' }, pool: 'api' }],
    });
    const gateway = new Gateway(config, {
      clock: systemClock,
      random: Math.random,
      healthProbeFor: httpHealthProbe,
    });
    cleanups.push(() => gateway.stop());
    const cert = await makeSelfSignedCertificate();
    cleanups.push(() => cert.remove());
    const pair = { cert: cert.certPem, key: cert.keyPem };
    const listener = await startTlsServer(
      { host: '127.0.0.1', port: 0 },
      pair,
      gateway.handle,
      config.limits,
    );
    cleanups.push(async () => {
      listener.closeAllConnections();
      await listener.close();
    });
    const session = connectHttp2(listener.url, { ca: cert.certPem });
    cleanups.push(() => session.close());
    await once(session, 'connect');
    const log = memoryLog(true);

    const stream = session.request({ ':path': '/v1/h2', 'user-agent': 'h2-client/1' }, { endStream: true });
    stream.resume();
    await once(stream, 'end');
    await eventually(() => log.lineFor('/v1/h2') !== undefined, 5_000, 'the access line');
    expect(log.lineFor('/v1/h2')).toMatchObject({
      status: 200,
      clientAddress: '127.0.0.1',
      protocol: 'HTTP/2',
      userAgent: 'h2-client/1',
      bytesSent: 1234,
    });

    // A closed HTTP/2 stream no longer reaches its socket: the address is the one read when the request came.
    const cancelled = session.request({ ':path': '/v1/held' }, { endStream: true });
    cancelled.on('error', () => undefined);
    await eventually(() => holds.length === 1, 5_000, 'the request at the upstream');
    cancelled.close(http2Constants.NGHTTP2_CANCEL);
    await eventually(() => log.lineFor('/v1/held') !== undefined, 5_000, 'the 499 line');
    expect(log.lineFor('/v1/held')).toMatchObject({
      status: 499,
      errorCode: 'GW_CLIENT_CLOSED',
      clientAddress: '127.0.0.1',
      protocol: 'HTTP/2',
    });
  });

  it('are on failure lines with the access log off: a 404, and a request the parser refused', async () => {
    const gateway = await startLimitedGateway({
      pools: { api: { endpoints: [{ url: 'http://127.0.0.1:9' }] } },
      routes: [{ match: { path_prefix: '/v1/' }, pool: 'api' }],
    });
    cleanups.push(() => gateway.stop());
    const log = memoryLog(false);

    const notFound = await fetch(`${gateway.url}/nowhere`, { headers: { 'user-agent': 'scanner/0.1' } });
    expect(notFound.status).toBe(404);
    await eventually(() => log.lineFor('/nowhere') !== undefined, 5_000, 'the 404 line');
    expect(log.lineFor('/nowhere')).toMatchObject({
      status: 404,
      clientAddress: '127.0.0.1',
      protocol: 'HTTP/1.1',
      userAgent: 'scanner/0.1',
    });

    // Two Content-Lengths: node's parser refuses the request, so no IncomingMessage ever existed.
    const socket = connectTcp(gateway.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(
      'POST /v1/refused HTTP/1.1\r\nHost: a\r\nUser-Agent: evil\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    );
    socket.resume();
    await once(socket, 'close');
    await eventually(() => log.lineFor('/v1/refused') !== undefined, 5_000, 'the 400 line');
    const refused = log.lineFor('/v1/refused');
    expect(refused).toMatchObject({ status: 400, clientAddress: '127.0.0.1', protocol: 'HTTP/1.1' });
    // Read from the refused bytes is the request line only: a header never reaches the log.
    expect(refused).not.toHaveProperty('userAgent');
  });

  it("are on a WebSocket handshake's line: the client's, and the upstream's time to its 101", async () => {
    const echo = await startWebSocketEcho();
    cleanups.push(() => echo.close());
    const gateway = await startLimitedGateway(
      { pools: { ws: { endpoints: [{ url: echo.url }] } }, routes: [{ pool: 'ws' }] },
      { webSockets: true },
    );
    cleanups.push(() => gateway.stop());
    const log = memoryLog(true);
    const handshake = httpRequest(`${gateway.url}/chat`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-version': '13',
        'user-agent': 'ws-probe/1',
      },
    });
    handshake.end();
    const [response, socket] = (await once(handshake, 'upgrade')) as [IncomingMessage, Duplex];
    expect(response.statusCode).toBe(101);
    socket.destroy();
    await eventually(() => log.lineFor('/chat') !== undefined, 5_000, 'the handshake line');
    const line = log.lineFor('/chat')!;
    expect(line).toMatchObject({
      status: 101,
      clientAddress: '127.0.0.1',
      protocol: 'HTTP/1.1',
      userAgent: 'ws-probe/1',
    });
    expect(line.upstreamFirstByteMs).toBeGreaterThanOrEqual(0);
    expect(line.upstreamFirstByteMs).toBeLessThanOrEqual(line.durationMs as number);
    // A tunnel's bytes are not the handshake's.
    expect(line).not.toHaveProperty('bytesSent');
  });

  it('are written by each worker with gateway.workers: 2', async () => {
    const upstream = await startTestUpstream((_req, res) => res.end(responseBody));
    cleanups.push(() => upstream.close());
    // A fixed port: with port 0 a worker sometimes fails to bind at start ("listen.gateway … is in use").
    const gatewayPort = await freePort();
    const { file } = await writeTempConfig('bulwark-access-fields-workers-', () =>
      [
        'gateway: { workers: 2 }',
        `listen: { gateway: 127.0.0.1:${gatewayPort}, admin: 127.0.0.1:0 }`,
        'logging: { level: info, access_log: true }',
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes: [{ pool: api }]',
      ].join('\n'),
    );
    const bulwark = await startBulwarkProcess(file, { keepLogLines: true });
    cleanups.push(async () => {
      if (bulwark.child.exitCode !== null) return;
      const exited = once(bulwark.child, 'exit');
      bulwark.child.kill('SIGTERM');
      await exited;
    });
    for (let i = 0; i < 4; i += 1) {
      const answer = await fetch(`${bulwark.gatewayUrl}/item-${i}`, {
        headers: { 'user-agent': 'worker-probe/1' },
      });
      expect(await answer.text()).toBe(responseBody);
    }
    const accessLines = (): LogLine[] =>
      bulwark
        .logLines()
        .map((line) => JSON.parse(line) as LogLine)
        .filter((line) => line.event === 'request' && line.msg === 'request');
    await eventually(() => accessLines().length === 4, 10_000, 'four access lines from the workers');
    for (const line of accessLines()) {
      expect(line).toMatchObject({
        clientAddress: '127.0.0.1',
        protocol: 'HTTP/1.1',
        userAgent: 'worker-probe/1',
        bytesReceived: 0,
        bytesSent: 1234,
      });
      expect([0, 1]).toContain(line.worker);
      // Real time here: at most the whole request's.
      expect(line.upstreamFirstByteMs).toBeGreaterThanOrEqual(0);
      expect(line.upstreamFirstByteMs).toBeLessThanOrEqual(line.durationMs as number);
    }
  }, 30_000);
});
