import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema, type ConfigInput } from '../../src/config/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { channelNames, type AttemptEvent } from '../../src/core/events.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { httpHealthProbe } from '../../src/runtime/http-health-probe.ts';
import { startHttpServer, type RunningServer } from '../../src/gateway/server.ts';
import { proxyWebSockets } from '../../src/gateway/websocket.ts';
import { eventually } from '../support/gateway-harness.ts';
import { captureChannel } from '../support/pool-fixtures.ts';
import { sendRaw } from '../support/raw-http.ts';
import { startTestUpstream } from '../support/test-upstream.ts';
import { startWebSocketEcho, type WebSocketEcho } from '../support/ws-echo.ts';

let listener: RunningServer | undefined;
let gateway: Gateway | undefined;
const echoes: WebSocketEcho[] = [];
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  gateway?.closeUpgrades();
  listener?.server.closeAllConnections();
  await listener?.close();
  await gateway?.stop();
  listener = undefined;
  gateway = undefined;
  await Promise.all(echoes.splice(0).map((echo) => echo.close()));
});

async function echo(options: Parameters<typeof startWebSocketEcho>[0] = {}): Promise<WebSocketEcho> {
  const started = await startWebSocketEcho(options);
  echoes.push(started);
  return started;
}

/** The gateway with upgrades wired as app.ts wires them, so tests can read its upgrade count. */
async function startGateway(config: Omit<ConfigInput, 'listen'>): Promise<string> {
  const parsed = configSchema.parse({ ...config, listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' } });
  gateway = new Gateway(parsed, { clock: systemClock, random: Math.random, healthProbeFor: httpHealthProbe });
  gateway.start();
  listener = await startHttpServer({ host: '127.0.0.1', port: 0 }, gateway.handle);
  proxyWebSockets(listener.server, gateway.handleUpgrade, parsed.limits.maxHeaders);
  return listener.url.replace('http:', 'ws:');
}

function onePool(urls: readonly string[], routes: ConfigInput['routes'] = [{ pool: 'ws' }]) {
  return { pools: { ws: { endpoints: urls.map((url) => ({ url })) } }, routes };
}

async function connect(url: string): Promise<{ socket: WebSocket; messages: (string | Buffer)[] }> {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  sockets.push(socket);
  const messages: (string | Buffer)[] = [];
  socket.addEventListener('message', (event: MessageEvent) => {
    const data: unknown = event.data;
    messages.push(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  });
  await once(socket, 'open');
  return { socket, messages };
}

/** A raw upgrade request, for answers the WebSocket API hides (status, body). */
async function rawUpgrade(url: string, path: string): Promise<{ status: number; body: string }> {
  const req = httpRequest(`${url.replace('ws:', 'http:')}${path}`, {
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
    },
  });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return { status: res.statusCode ?? 0, body };
}

function inFlightOf(endpointUrl: string): number | undefined {
  const endpoints = gateway?.status().flatMap((pool) => pool.endpoints) ?? [];
  return endpoints.find((endpoint) => endpointUrl.includes(endpoint.id))?.inFlight;
}

describe('WebSocket proxying', () => {
  it('round-trips text and binary messages in order, with forwarding headers on the handshake', async () => {
    const upstream = await echo();
    const url = await startGateway(onePool([upstream.url]));
    const { socket, messages } = await connect(`${url}/chat?room=1`);
    const big = Buffer.alloc(200 * 1024, 7);
    socket.send('hello');
    socket.send(new Uint8Array([0, 1, 2, 255]));
    socket.send('second');
    socket.send(big);
    await eventually(() => messages.length === 4, 5_000, 'four echoes');
    expect(messages.slice(0, 3)).toEqual(['hello', Buffer.from([0, 1, 2, 255]), 'second']);
    expect((messages[3] as Buffer).equals(big)).toBe(true);
    const handshake = upstream.handshakes[0]!;
    expect(handshake['x-forwarded-proto']).toBe('http');
    expect(handshake['x-forwarded-for']).toBe('127.0.0.1');
    expect(handshake['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(handshake.upgrade).toBe('websocket');
    expect(gateway?.openUpgrades).toBe(1);
    // An open tunnel is load on its endpoint: least-request and endpoint drain must see it.
    expect(inFlightOf(upstream.url)).toBe(1);
  });

  it('a close from the client closes the upstream side, and the tunnel is released', async () => {
    const upstream = await echo();
    const url = await startGateway(onePool([upstream.url]));
    const { socket } = await connect(`${url}/`);
    const closed = once(socket, 'close') as Promise<[CloseEvent]>;
    socket.close(1000, 'bye');
    const [event] = await closed;
    expect(event.code).toBe(1000);
    expect(upstream.closeCodesReceived).toEqual([1000]);
    await eventually(() => upstream.openConnections === 0 && gateway?.openUpgrades === 0, 5_000, 'release');
    expect(inFlightOf(upstream.url)).toBe(0);
  });

  it('a close from the upstream reaches the client', async () => {
    const upstream = await echo();
    const url = await startGateway(onePool([upstream.url]));
    const { socket } = await connect(`${url}/`);
    const closed = once(socket, 'close') as Promise<[CloseEvent]>;
    upstream.closeAll(4001);
    const [event] = await closed;
    expect(event.code).toBe(4001);
    await eventually(() => gateway?.openUpgrades === 0, 5_000, 'tunnel released');
  });

  it('closeUpgrades cuts open tunnels and upgradesClosed resolves', async () => {
    const upstream = await echo();
    const url = await startGateway(onePool([upstream.url]));
    const { socket } = await connect(`${url}/`);
    const closed = once(socket, 'close') as Promise<[CloseEvent]>;
    const allClosed = gateway!.upgradesClosed();
    gateway!.closeUpgrades();
    await allClosed;
    expect((await closed)[0].code).toBe(1006);
    await eventually(() => upstream.openConnections === 0, 5_000, 'upstream side closed');
  });

  it('balances upgrades across endpoints and skips a dead one', async () => {
    const [first, second] = [await echo(), await echo()];
    const dead = await deadUrl();
    const url = await startGateway({
      ...onePool([first.url, dead, second.url]),
      routes: [{ pool: 'ws', retry: { attempts: 3 } }],
    });
    for (let i = 0; i < 6; i++) await connect(`${url}/`);
    expect(first.handshakes.length).toBeGreaterThan(0);
    expect(second.handshakes.length).toBeGreaterThan(0);
    expect(first.handshakes.length + second.handshakes.length).toBe(6);
  });

  it('answers 502 with a JSON error when the endpoint is dead, and 404 for an unknown route', async () => {
    const url = await startGateway(
      onePool([await deadUrl()], [{ match: { path_prefix: '/ws/' }, pool: 'ws' }]),
    );
    const attempts = captureChannel<AttemptEvent>(channelNames.attempt);
    const dead = await rawUpgrade(url, '/ws/x').finally(attempts.stop);
    // Every attempt counts against the endpoint, as for requests (outlier detection).
    const outcomes = attempts.events.map((event) => event.outcome);
    expect(outcomes).toHaveLength(3);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ kind: 'failure', reason: 'connect' });
    expect(dead.status).toBe(502);
    expect(JSON.parse(dead.body)).toMatchObject({ error: { code: 'GW_UPSTREAM_FAILED' } });
    const unknown = await rawUpgrade(url, '/elsewhere');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: { code: 'GW_ROUTE_NOT_FOUND' } });
    expect(gateway?.openUpgrades).toBe(0);
  });

  it('answers 504 when the upstream accepts the connection but never answers the handshake', async () => {
    const silent = await startTestUpstream(() => undefined);
    // Holds the handshake unanswered; the socket goes when the gateway gives up on it.
    silent.server.on('upgrade', (_req, socket: Duplex) => socket.on('end', () => socket.destroy()));
    const url = await startGateway({
      ...onePool([silent.url]),
      routes: [{ pool: 'ws', timeouts: { first_byte: '200ms' } }],
    });
    try {
      const answer = await rawUpgrade(url, '/');
      expect(answer.status).toBe(504);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'GW_UPSTREAM_TIMEOUT' } });
      expect(inFlightOf(silent.url)).toBe(0);
    } finally {
      await silent.close();
    }
  });

  it('takes connect and first_byte of 0s as off, as ordinary requests do, instead of timing out at once', async () => {
    const upstream = await echo({ answerAfterMs: 50 });
    const url = await startGateway({
      ...onePool([upstream.url]),
      routes: [{ pool: 'ws', timeouts: { connect: '0s', first_byte: '0s' } }],
    });
    const { socket, messages } = await connect(`${url}/`);
    socket.send('through');
    await eventually(() => messages.length === 1, 5_000, 'the echo');
    expect(messages).toEqual(['through']);
  });

  it("relays the upstream's refusal of an upgrade", async () => {
    const upstream = await echo({ rejectStatus: 403 });
    const url = await startGateway(onePool([upstream.url]));
    const refused = await rawUpgrade(url, '/');
    expect(refused).toEqual({ status: 403, body: 'rejected' });
  });

  it('treats a non-WebSocket Upgrade (h2c) as an ordinary request', async () => {
    const upstream = await startTestUpstream((req, res) => res.end(`plain ${req.headers.upgrade ?? 'none'}`));
    const url = await startGateway(onePool([upstream.url]));
    try {
      const req = httpRequest(url.replace('ws:', 'http:'), {
        headers: {
          connection: 'Upgrade, HTTP2-Settings',
          upgrade: 'h2c',
          'http2-settings': 'AAMAAABkAARAAAAAAAIAAAAA',
        },
      });
      req.end();
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      let body = '';
      for await (const chunk of res) body += String(chunk);
      expect(res.statusCode).toBe(200);
      // Upgrade is hop-by-hop: the upstream sees a plain request.
      expect(body).toBe('plain none');
    } finally {
      await upstream.close();
    }
  });
});

describe('a handshake is a request until it switches', () => {
  const rateLimited = (url: string) => ({
    pools: { ws: { endpoints: [{ url }] } },
    routes: [{ pool: 'ws', rate_limits: [{ key: 'ip', rate: '1/m' }] }],
  });

  it("passes the route's rate limits: 429 past the limit, whatever the upstream would answer", async () => {
    const upstream = await echo();
    const url = await startGateway(rateLimited(upstream.url));
    const { socket } = await connect(url);
    socket.close();
    const refused = await rawUpgrade(url, '/');
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'GW_RATE_LIMITED' } });
    expect(upstream.handshakes).toHaveLength(1);
  });

  it('cannot carry an ordinary request past the limits either (the upstream answers it without switching)', async () => {
    const upstream = await startTestUpstream((_req, res) => res.end('plain'));
    try {
      const url = await startGateway(rateLimited(upstream.url));
      expect(await rawUpgrade(url, '/')).toEqual({ status: 200, body: 'plain' });
      expect((await rawUpgrade(url, '/')).status).toBe(429);
    } finally {
      await upstream.close();
    }
  });

  it("holds a concurrency slot until the upstream answers, not for the tunnel's life", async () => {
    const upstream = await echo();
    const url = await startGateway({
      pools: { ws: { endpoints: [{ url: upstream.url }], concurrency: 1, queue: { max: 0 } } },
      routes: [{ pool: 'ws' }],
    });
    const first = await connect(url);
    const second = await connect(url);
    second.socket.send('both open');
    await eventually(() => second.messages.includes('both open'), 5_000, 'an echo on the second tunnel');
    expect(first.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('holds that slot while the upstream has not answered: a second handshake is shed', async () => {
    const upstream = await startTestUpstream(() => undefined);
    let pending: Promise<unknown> | undefined;
    try {
      const url = await startGateway({
        pools: { ws: { endpoints: [{ url: upstream.url }], concurrency: 1, queue: { max: 0 } } },
        routes: [{ pool: 'ws' }],
      });
      pending = rawUpgrade(url, '/').catch(() => undefined);
      await eventually(() => gateway!.status()[0]?.overload?.inFlight === 1, 5_000, 'the first handshake');
      const shed = await rawUpgrade(url, '/');
      expect(shed.status).toBe(503);
      expect(JSON.parse(shed.body)).toMatchObject({ error: { code: 'GW_SHED' } });
    } finally {
      await upstream.close();
    }
    // The upstream went without answering: the first handshake ends too (502).
    await pending;
  });

  it('is refused like any request when its framing is ambiguous (two Host lines)', async () => {
    const upstream = await echo();
    const url = await startGateway(onePool([upstream.url]));
    const { port } = new URL(url);
    const reply = await sendRaw(
      Number(port),
      'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    expect(reply.status).toBe(400);
    expect(reply.errorCode).toBe('GW_BAD_REQUEST');
    expect(upstream.handshakes).toHaveLength(0);
  });

  it('forwards a POST that asks for websocket as the POST it is, body and all', async () => {
    const upstream = await startTestUpstream((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += String(chunk)));
      req.on('end', () => res.end(`${req.method} ${body} ${req.headers.upgrade ?? 'no upgrade'}`));
    });
    try {
      const url = await startGateway(onePool([upstream.url]));
      const { port } = new URL(url);
      const reply = await sendRaw(
        Number(port),
        'POST / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n' +
          'Content-Length: 5\r\n\r\nhello',
      );
      expect(reply.status).toBe(200);
      expect(reply.text.endsWith('POST hello no upgrade')).toBe(true);
    } finally {
      await upstream.close();
    }
  });
});

/** An address nothing listens on: bind, note the port, close. */
async function deadUrl(): Promise<string> {
  const upstream = await startTestUpstream(() => undefined);
  const url = upstream.url;
  await upstream.close();
  return url;
}

describe('WebSocket drain', () => {
  it("keeps an old config's WebSockets working through a reload's drain, and ends when they close", async () => {
    const upstream = await echo();
    const url = await startGateway(onePool([upstream.url]));
    const { socket, messages } = await connect(url);
    let isDrained = false;
    const draining = gateway!.drain(30_000, { waitForWebSockets: true }).then((result) => {
      isDrained = true;
      return result;
    });
    socket.send('still here');
    await eventually(() => messages.includes('still here'), 5_000, 'an echo during the drain');
    expect(isDrained).toBe(false);
    expect((await rawUpgrade(url, '/')).status).toBe(503);
    socket.close(1000);
    expect(await draining).toEqual({ cutOff: 0, webSocketsClosed: 0 });
  });

  it('keeps WebSockets working while requests drain, refuses new upgrades with 503, then closes them', async () => {
    const upstream = await echo();
    let held: ServerResponse | undefined;
    const slow = await startTestUpstream((_req, res) => (held = res));
    try {
      const url = await startGateway({
        pools: { ws: { endpoints: [{ url: upstream.url }] }, slow: { endpoints: [{ url: slow.url }] } },
        routes: [{ match: { path_prefix: '/slow' }, pool: 'slow' }, { pool: 'ws' }],
      });
      const { socket, messages } = await connect(url);
      const closed = once(socket, 'close');
      const pending = fetch(`${url.replace('ws:', 'http:')}/slow`);
      await eventually(() => held !== undefined, 5_000, 'the request to reach the upstream');
      const draining = gateway!.drain(30_000);
      socket.send('still here');
      await eventually(() => messages.includes('still here'), 5_000, 'an echo during the drain');
      expect((await rawUpgrade(url, '/')).status).toBe(503);
      held!.end('done');
      expect(await (await pending).text()).toBe('done');
      // The last request is done: the WebSocket is closed then, not held until the 30 s deadline.
      expect(await draining).toEqual({ cutOff: 0, webSocketsClosed: 1 });
      await closed;
    } finally {
      await slow.close();
    }
  });
});
