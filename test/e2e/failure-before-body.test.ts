import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { channelNames, type RequestEvent } from '../../src/core/events.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { captureChannel } from '../support/pool-fixtures.ts';
import { openSocket, readUntilClose, startLimitedGateway, type LimitedGateway } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

// An upstream that sends its headers and fails before any body byte: the client has been sent nothing yet,
// so it gets a gateway error it can read, counted as one, never an empty reply logged as the upstream's 200.

const servers: Server[] = [];
const cleanups: (() => void)[] = [];
let gateway: TestGateway | LimitedGateway | undefined;
let testUpstream: TestUpstream | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await gateway?.stop();
  await testUpstream?.close();
  gateway = testUpstream = undefined;
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Sends a plain (not streamed) answer's headers at once, then does what `then` says with the response. */
async function headersThen(then: (res: ServerResponse, req: IncomingMessage) => void): Promise<string> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '20' });
    res.flushHeaders();
    then(res, req);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function gatewayTo(url: string, timeouts: Record<string, string>): Promise<TestGateway> {
  gateway = await startTestGateway({
    pools: { api: { endpoints: [{ url }] } },
    routes: [{ match: { path_prefix: '/' }, pool: 'api', timeouts: { first_byte: '10s', ...timeouts } }],
  });
  return gateway;
}

function logged(): () => Promise<RequestEvent> {
  const capture = captureChannel<RequestEvent>(channelNames.request);
  cleanups.push(capture.stop);
  return async () => {
    await eventually(() => capture.events.length === 1, 5_000, 'the request logged');
    return capture.events[0]!;
  };
}

describe('an upstream that fails after its headers, before any body byte', () => {
  it('gets the client a 504 when the body does not start within idle, logged as 504', async () => {
    const url = await headersThen(() => {});
    const { url: gatewayUrl } = await gatewayTo(url, { idle: '300ms' });
    const event = logged();

    const res = await request(gatewayUrl);

    expect(res.statusCode).toBe(504);
    expect(await res.body.json()).toMatchObject({ error: { code: 'GW_UPSTREAM_TIMEOUT' } });
    expect(await event()).toMatchObject({ status: 504, errorCode: 'GW_UPSTREAM_TIMEOUT' });
  });

  it('gets the client a 502 when the upstream resets instead of sending the body', async () => {
    const url = await headersThen((res) => setImmediate(() => res.socket?.destroy()));
    const { url: gatewayUrl } = await gatewayTo(url, {});
    const event = logged();

    const res = await request(gatewayUrl);

    expect(res.statusCode).toBe(502);
    expect(await res.body.json()).toMatchObject({ error: { code: 'GW_UPSTREAM_FAILED' } });
    expect(await event()).toMatchObject({ status: 502, errorCode: 'GW_UPSTREAM_FAILED' });
  });

  it('gets the client a 504 when total runs out first, with idle off', async () => {
    const url = await headersThen(() => {});
    const { url: gatewayUrl } = await gatewayTo(url, { idle: '0s', total: '300ms' });
    const event = logged();

    const res = await request(gatewayUrl);

    expect(res.statusCode).toBe(504);
    expect(await res.body.json()).toMatchObject({ error: { code: 'GW_UPSTREAM_TIMEOUT' } });
    expect(await event()).toMatchObject({ status: 504, errorCode: 'GW_UPSTREAM_TIMEOUT' });
  });

  it('logs the 408 the client got when its body stalls meanwhile, not the upstream status it never saw', async () => {
    testUpstream = await startTestUpstream((_req, res) => {
      res.writeHead(200, { 'content-length': '5' });
      res.flushHeaders();
      cleanups.push(() => res.destroy());
    });
    gateway = await startLimitedGateway({
      limits: { request_timeout: '1s' },
      pools: { api: { endpoints: [{ url: testUpstream.url }] } },
      // One attempt: the body streams through, so the upstream answers while it is still coming.
      routes: [{ pool: 'api', retry: { attempts: 1 }, timeouts: { idle: '0s', total: '20s' } }],
    });
    const event = logged();
    const socket = await openSocket(gateway.port);
    cleanups.push(() => socket.destroy());
    const reply = readUntilClose(socket, 5_000);
    socket.write('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789');

    expect((await reply).text).toMatch(/^HTTP\/1\.1 408 /);
    expect(await event()).toMatchObject({ status: 408, errorCode: 'GW_REQUEST_TIMEOUT' });
  });

  it('still relays the upstream status and headers once the body starts, after the headers came alone', async () => {
    const url = await headersThen((res) =>
      setTimeout(() => res.end('{"ok":true,"n":12345}'.slice(0, 20)), 50),
    );
    const { url: gatewayUrl } = await gatewayTo(url, { idle: '5s' });

    const res = await request(gatewayUrl);

    expect([res.statusCode, res.headers['content-type'], res.headers['content-length']]).toEqual([
      200,
      'application/json',
      '20',
    ]);
    expect(await res.body.text()).toBe('{"ok":true,"n":12345}'.slice(0, 20));
  });
});
