import type { Socket } from 'node:net';
import { channelNames, type AttemptEvent, type RequestEvent } from '../../src/core/events.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/gateway-harness.ts';
import { captureChannel } from '../support/pool-fixtures.ts';
import {
  openSocket,
  readUntilClose,
  sendRaw,
  startCountingUpstream,
  startLimitedGateway,
  type CountingUpstream,
  type LimitedGateway,
} from '../support/raw-http.ts';

/** Header and body limits: 431 and 413 as JSON errors, the upstream untouched, nothing drained. */

let upstream: CountingUpstream;
let gateway: LimitedGateway;

beforeAll(async () => {
  upstream = await startCountingUpstream();
  gateway = await startLimitedGateway({
    limits: { max_header_bytes: '8KiB', max_headers: 20 },
    pools: { api: { endpoints: [{ url: upstream.url }] } },
    routes: [
      { match: { path_prefix: '/streamed' }, pool: 'api', retry: { attempts: 1 }, max_body: '1KiB' },
      { match: { path_prefix: '/' }, pool: 'api', max_body: '1KiB' },
    ],
  });
});

afterAll(async () => {
  await gateway.stop();
  await upstream.close();
});

const get = (headerLines: string) =>
  `GET / HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n${headerLines}\r\n`;
const lines = (count: number) => Array.from({ length: count }, (_, i) => `X-Line-${i}: ${i}\r\n`).join('');
const chunk = (bytes: number) => `${bytes.toString(16)}\r\n${'b'.repeat(bytes)}\r\n`;

describe('header limits', () => {
  it('answers 431 to a header block over max_header_bytes, and forwards one under it', async () => {
    const before = upstream.seen.started;
    const tooLarge = await sendRaw(gateway.port, get(`X-Big: ${'a'.repeat(9 * 1024)}\r\n`));
    expect(tooLarge.status).toBe(431);
    expect(tooLarge.errorCode).toBe('GW_HEADERS_TOO_LARGE');
    expect(upstream.seen.started).toBe(before);
    const fits = await sendRaw(gateway.port, get(`X-Big: ${'a'.repeat(7 * 1024)}\r\n`));
    expect(fits.status).toBe(200);
  });

  it('answers 431 to more header lines than max_headers, which node would silently drop', async () => {
    const before = upstream.seen.started;
    // Host and Connection count: 2 + 19 lines is one over the limit of 20.
    const tooMany = await sendRaw(gateway.port, get(lines(19)));
    expect(tooMany.status).toBe(431);
    expect(tooMany.errorCode).toBe('GW_HEADERS_TOO_LARGE');
    expect(upstream.seen.started).toBe(before);
    expect((await sendRaw(gateway.port, get(lines(18)))).status).toBe(200);
  });
});

describe('body limit (route max_body)', () => {
  const post = (path: string, framing: string) => `POST ${path} HTTP/1.1\r\nHost: api.test\r\n${framing}\r\n`;

  it('answers 413 on the declared Content-Length alone, before the client sends a byte of body', async () => {
    const before = upstream.seen.started;
    const reply = await sendRaw(gateway.port, post('/', 'Content-Length: 5000000\r\n'));
    expect(reply.status).toBe(413);
    expect(reply.errorCode).toBe('GW_BODY_TOO_LARGE');
    expect(reply.text).toMatch(/\r\nconnection: close\r\n/i);
    expect(upstream.seen.started).toBe(before);
  });

  it.each(['/', '/streamed'])('forwards bodies within max_body on %s, declared or chunked', async (path) => {
    const before = upstream.seen.completed;
    const declared = `${post(path, 'Content-Length: 1024\r\nConnection: close\r\n')}${'b'.repeat(1024)}`;
    expect((await sendRaw(gateway.port, declared)).status).toBe(200);
    const chunked = `${post(path, 'Transfer-Encoding: chunked\r\nConnection: close\r\n')}${chunk(512)}${chunk(512)}0\r\n\r\n`;
    expect((await sendRaw(gateway.port, chunked)).status).toBe(200);
    expect(upstream.seen.completed).toBe(before + 2);
  });

  it('counts a chunked body while buffering it: 413, and the upstream never sees it', async () => {
    const before = upstream.seen.started;
    const requests = captureChannel<RequestEvent>(channelNames.request);
    const reply = await sendRaw(
      gateway.port,
      `${post('/', 'Transfer-Encoding: chunked\r\n')}${chunk(800)}${chunk(800)}0\r\n\r\n`,
    );
    requests.stop();
    expect(reply.status).toBe(413);
    expect(reply.errorCode).toBe('GW_BODY_TOO_LARGE');
    expect(upstream.seen.started).toBe(before);
    // Counted under its route (the second one) like any answered request.
    expect(requests.events).toMatchObject([{ route: '1', status: 413, errorCode: 'GW_BODY_TOO_LARGE' }]);
  });

  it('counts a chunked body while streaming it: 413, the upstream request is aborted, no failure is counted', async () => {
    const attempts = captureChannel<AttemptEvent>(channelNames.attempt);
    const before = { ...upstream.seen };
    const socket = await openSocket(gateway.port);
    const reply = readUntilClose(socket);
    socket.write(`${post('/streamed', 'Transfer-Encoding: chunked\r\n')}${chunk(800)}`);
    // The first chunk goes upstream; only the second one breaks the limit.
    await eventually(() => upstream.seen.started > before.started, 5_000, 'the first chunk upstream');
    socket.write(chunk(800));
    const answer = await reply;
    attempts.stop();
    expect(answer.status).toBe(413);
    expect(answer.errorCode).toBe('GW_BODY_TOO_LARGE');
    await eventually(
      () => upstream.seen.aborted > before.aborted,
      5_000,
      'the upstream request to be cut off',
    );
    expect(upstream.seen.completed).toBe(before.completed);
    // Settled without an outcome: the endpoint did nothing wrong.
    expect(attempts.events).toEqual([]);
  });

  it('closes the connection instead of draining a huge chunked body', async () => {
    const socket = await openSocket(gateway.port);
    const reply = readUntilClose(socket, 10_000);
    socket.write(post('/streamed', 'Transfer-Encoding: chunked\r\n'));
    const offeredBytes = 256 * 1024 * 1024;
    const sentBytes = await writeChunksWhileOpen(socket, 64 * 1024, offeredBytes);
    const answer = await reply;
    expect(answer.status).toBe(413);
    // Socket buffers hold a few MiB at most; the gateway stopped reading long before the end.
    expect(sentBytes).toBeLessThan(offeredBytes / 4);
  });
});

/** Writes chunks with backpressure until `totalBytes` or until the server closes; returns bytes written. */
async function writeChunksWhileOpen(socket: Socket, chunkBytes: number, totalBytes: number): Promise<number> {
  const frame = Buffer.from(chunk(chunkBytes));
  let sentBytes = 0;
  while (sentBytes < totalBytes && socket.writable) {
    sentBytes += chunkBytes;
    if (socket.write(frame)) continue;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off('drain', done).off('close', done);
        resolve();
      };
      socket.on('drain', done).on('close', done);
    });
  }
  return sentBytes;
}

describe('Expect: 100-continue', () => {
  const expecting = (path: string, bytes: number) =>
    `POST ${path} HTTP/1.1\r\nHost: api.test\r\nContent-Length: ${bytes}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`;

  it('refuses a body over max_body with 413 and no 100 Continue: the client never starts the upload', async () => {
    const reply = await sendRaw(gateway.port, expecting('/', 5_000_000));
    expect(reply.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(reply.text).not.toContain('100 Continue');
  });

  it('refuses a request no route takes with 404 and no 100 Continue', async () => {
    const narrow = await startLimitedGateway({
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ match: { path_prefix: '/v1/' }, pool: 'api' }],
    });
    try {
      const reply = await sendRaw(narrow.port, expecting('/elsewhere', 100));
      expect(reply.text).toMatch(/^HTTP\/1\.1 404 /);
      expect(reply.text).not.toContain('100 Continue');
    } finally {
      await narrow.stop();
    }
  });

  it.each(['/', '/streamed'])(
    'says 100 Continue on %s once it will read the body, then forwards it',
    async (path) => {
      const before = upstream.seen.completed;
      const socket = await openSocket(gateway.port);
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (data: string) => (text += data));
      const reply = readUntilClose(socket);
      socket.write(expecting(path, 10));
      await eventually(() => text.startsWith('HTTP/1.1 100 Continue\r\n\r\n'), 5_000, 'the 100 Continue');
      socket.write('b'.repeat(10));
      expect((await reply).text).toMatch(/HTTP\/1\.1 200 /);
      expect(upstream.seen.completed).toBe(before + 1);
    },
  );
});
