import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/gateway-harness.ts';
import {
  openSocket,
  readUntilClose,
  sendRaw,
  startCountingUpstream,
  startLimitedGateway,
  type CountingUpstream,
  type LimitedGateway,
} from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/** Header and request timeouts and the per-address connection cap, on real loopback sockets. */

let upstream: CountingUpstream | undefined;
let slowUpstream: TestUpstream | undefined;
let gateway: LimitedGateway | undefined;
const clients: Socket[] = [];

afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy();
  await gateway?.stop();
  await upstream?.close();
  await slowUpstream?.close();
  gateway = upstream = slowUpstream = undefined;
});

async function start(limits: Record<string, unknown>): Promise<LimitedGateway> {
  upstream = await startCountingUpstream();
  gateway = await startLimitedGateway({
    limits,
    pools: { api: { endpoints: [{ url: upstream.url }] } },
    routes: [{ pool: 'api' }],
  });
  return gateway;
}

async function client(port: number, localAddress?: string): Promise<Socket> {
  const socket = await openSocket(port, localAddress);
  clients.push(socket);
  return socket;
}

const completeRequest = 'GET / HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n';

describe('slow clients', () => {
  it.each([
    { name: 'sends nothing', bytes: '' },
    { name: 'stops inside the headers', bytes: 'GET / HTTP/1.1\r\nHost: api.test\r\nX-Slow: ' },
  ])('closes a connection that $name with 408 at header_timeout', async ({ bytes }) => {
    const { port } = await start({ header_timeout: '300ms' });
    const socket = await client(port);
    const startedMs = Date.now();
    const reply = readUntilClose(socket);
    if (bytes) socket.write(bytes);
    const answer = await reply;
    expect(answer.status).toBe(408);
    expect(answer.errorCode).toBe('GW_REQUEST_TIMEOUT');
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(250);
    expect(upstream?.seen.started).toBe(0);
  });

  it('closes a connection whose body trickles past request_timeout with 408', async () => {
    const { port } = await start({ header_timeout: '300ms', request_timeout: '600ms' });
    const socket = await client(port);
    const reply = readUntilClose(socket);
    socket.write('POST / HTTP/1.1\r\nHost: api.test\r\nContent-Length: 1000\r\n\r\n');
    // A byte every 50 ms keeps the connection busy, so only the request timeout can end it.
    const trickle = setInterval(() => socket.writable && socket.write('x'), 50);
    const answer = await reply.finally(() => clearInterval(trickle));
    expect(answer.status).toBe(408);
    expect(answer.errorCode).toBe('GW_REQUEST_TIMEOUT');
    expect(upstream?.seen.completed).toBe(0);
  });

  it('lets a response outlast request_timeout, which covers receiving the request only', async () => {
    slowUpstream = await startTestUpstream((_req, res) => {
      let sent = 0;
      const timer = setInterval(() => {
        res.write(`event ${sent}\n`);
        if (++sent < 8) return;
        clearInterval(timer);
        res.end();
      }, 100);
    });
    gateway = await startLimitedGateway({
      limits: { header_timeout: '200ms', request_timeout: '300ms' },
      pools: { api: { endpoints: [{ url: slowUpstream.url }] } },
      routes: [{ pool: 'api' }],
    });
    const reply = await sendRaw(gateway.port, completeRequest);
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('event 7');
  });

  it('leaves an idle keep-alive connection to keepAliveTimeout, not header_timeout', async () => {
    const { port } = await start({ header_timeout: '200ms' });
    const socket = await client(port);
    socket.write('GET / HTTP/1.1\r\nHost: api.test\r\n\r\n');
    await eventually(() => upstream?.seen.completed === 1, 5_000, 'the first request');
    // Waiting is the point here: the connection must outlive header_timeout while idle between requests.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(socket.destroyed).toBe(false);
    const reply = readUntilClose(socket);
    socket.write(completeRequest);
    expect((await reply).status).toBe(200);
  });
});

describe('per-address connection cap', () => {
  it('refuses connections over max_connections_per_ip with 503, per address, and frees slots on close', async () => {
    const { port } = await start({ max_connections_per_ip: 3, header_timeout: '30s' });
    const held = [await client(port), await client(port), await client(port)];
    const refused = await sendRaw(port, completeRequest);
    expect(refused.status).toBe(503);
    expect(refused.errorCode).toBe('GW_TOO_MANY_CONNECTIONS');
    expect(upstream?.seen.started).toBe(0);

    // Another client address has its own allowance.
    const other = await client(port, '127.0.0.2');
    const otherReply = readUntilClose(other);
    other.write(completeRequest);
    expect((await otherReply).status).toBe(200);

    held[0]?.destroy();
    await eventually(
      async () => (await sendRaw(port, completeRequest)).status === 200,
      5_000,
      'a freed slot',
    );
  });
});

describe('total connection cap', () => {
  it('closes connections over limits.max_connections as they are accepted, whatever their address, and frees slots on close', async () => {
    const gatewayUnderTest = await start({ max_connections: 3, header_timeout: '30s' });
    const { port } = gatewayUnderTest;
    const held = [
      await client(port, '127.0.0.2'),
      await client(port, '127.0.0.3'),
      await client(port, '127.0.0.4'),
    ];
    // node closes it without a word: nothing was parsed, and nothing reaches the upstream.
    const refused = await sendRaw(port, completeRequest);
    expect([refused.status, refused.text]).toEqual([0, '']);
    expect(upstream?.seen.started).toBe(0);
    expect(await gatewayUnderTest.connections()).toBe(3);

    held[0]?.destroy();
    await eventually(
      async () => (await sendRaw(port, completeRequest)).status === 200,
      5_000,
      'a freed slot',
    );
  });
});
