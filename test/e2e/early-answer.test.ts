import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';
import { openSocket, readUntilClose, startLimitedGateway, type LimitedGateway } from '../support/raw-http.ts';
import { eventually, startTestGateway } from '../support/gateway-harness.ts';
import { within } from '../support/within.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { maxDiscardMs } from '../../src/gateway/request-body.ts';
import { channelNames, type AttemptEvent } from '../../src/core/events.ts';
import type { Outcome } from '../../src/core/outcome.ts';

/**
 * An upstream may answer before it has read the whole request body (a 413 or 401 often does). The client is
 * still sending: its response must never wait on anything but the rest of its own body.
 */

let gateway: LimitedGateway | undefined;
let upstream: TestUpstream | undefined;
let refuserServer: Server | undefined;
let stopTestGateway: (() => Promise<void>) | undefined;
const sockets: Socket[] = [];
const refuserSockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await gateway?.stop();
  await stopTestGateway?.();
  await upstream?.close();
  for (const socket of refuserSockets.splice(0)) socket.destroy();
  if (refuserServer) await new Promise((resolve) => refuserServer?.close(resolve));
  gateway = upstream = refuserServer = stopTestGateway = undefined;
});

/** Over the route's default max_replay_body (64 KiB), so the body streams through and cannot be retried. */
const bodyBytes = 512 * 1024;

function postHead(contentLengthBytes: number): string {
  return `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${contentLengthBytes}\r\n\r\n`;
}

describe('an upstream that answers before reading the whole body', () => {
  it('keeps the connection: the rest of the body is discarded and the next request is served', async () => {
    // node's own server discards the unread rest after its answer, as a well-behaved upstream does.
    upstream = await startTestUpstream((_req, res) => res.end('early'));
    gateway = await startLimitedGateway({
      // Short, so that a connection left waiting on its body shows as a 408 in seconds, not a minute.
      limits: { request_timeout: '3s' },
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'api' }],
    });
    const socket = await openSocket(gateway.port);
    sockets.push(socket);
    const reply = readUntilClose(socket, 10_000);
    let text = '';
    socket.on('data', (chunk: string) => (text += chunk));
    socket.write(postHead(bodyBytes));
    socket.write(Buffer.alloc(bodyBytes / 2, 0x61));
    await eventually(() => text.includes('\r\n\r\nearly'), 5_000, 'the early answer');
    const sentRestAtMs = Date.now();
    socket.write(Buffer.alloc(bodyBytes / 2, 0x61));
    socket.write('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const { text: all } = await reply;
    expect([...all.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1])).toEqual(['200', '200']);
    expect(all.endsWith('\r\n\r\nearly')).toBe(true);
    expect(Date.now() - sentRestAtMs).toBeLessThan(3_000);
  });
  it('closes the connection if the rest of the body has not come within maxDiscardMs of the answer', async () => {
    const clock = new FakeClock();
    upstream = await startTestUpstream((_req, res) => res.end('early'));
    const testGateway = await startTestGateway(
      { pools: { api: { endpoints: [{ url: upstream.url }] } }, routes: [{ pool: 'api' }] },
      { clock },
    );
    stopTestGateway = () => testGateway.stop();
    const socket = await openSocket(Number(new URL(testGateway.url).port));
    sockets.push(socket);
    const reply = readUntilClose(socket, 5_000);
    let text = '';
    socket.on('data', (chunk: string) => (text += chunk));
    socket.write(postHead(bodyBytes));
    socket.write(Buffer.alloc(bodyBytes / 2, 0x61));
    await eventually(() => text.includes('\r\n\r\nearly'), 5_000, 'the early answer');
    // The client stalls with half its body unsent; only the discard's bound ends the connection.
    clock.advance(maxDiscardMs);
    expect((await reply).status).toBe(200);
  });
});

describe('an upstream that refuses the body with 413 and closes before reading it', () => {
  it('forwards the 413 if undici parsed it, else answers 502; neither counts against the endpoint', async () => {
    const refuser = createServer((socket) => {
      refuserSockets.push(socket);
      socket.on('error', () => undefined);
      let head = '';
      const onData = (chunk: Buffer): void => {
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        socket.off('data', onData);
        // Closed with the body unread, so the kernel answers what still arrives with a reset.
        socket.write(
          'HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 8\r\n\r\ntoo big\n',
        );
        socket.destroySoon();
      };
      socket.on('data', onData);
    });
    refuserServer = refuser;
    refuser.listen(0, '127.0.0.1');
    await once(refuser, 'listening');
    gateway = await startLimitedGateway({
      pools: { api: { endpoints: [{ url: `http://127.0.0.1:${(refuser.address() as AddressInfo).port}` }] } },
      routes: [{ pool: 'api', retry: { attempts: 1 } }],
    });
    const outcomes: Outcome[] = [];
    const onAttempt = (event: unknown): void => void outcomes.push((event as AttemptEvent).outcome);
    subscribe(channelNames.attempt, onAttempt);
    try {
      for (let i = 0; i < 6; i++) {
        const body = Buffer.alloc(4 * 1024 * 1024, 0x61);
        const res = await within(
          request(gateway.url, { method: 'POST', body, reset: true }),
          5_000,
          'the answer',
        );
        const text = await res.body.text();
        // undici reports only its write's EPIPE when that comes before it parsed the answer (every time here).
        const lostAnswer = /closed the connection while the request body was being sent/;
        expect(`${res.statusCode} ${text}`).toMatch(res.statusCode === 413 ? /^413 too big\n$/ : lostAnswer);
      }
    } finally {
      unsubscribe(channelNames.attempt, onAttempt);
    }
    expect(outcomes.filter((outcome) => outcome.kind !== 'success')).toEqual([]);
  });
});
