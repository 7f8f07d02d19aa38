import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelNames, type RequestEvent } from '../../src/core/events.ts';
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

/**
 * Request smuggling and framing attacks, each on its own raw connection. The gateway must answer 400 (or
 * 501 for a coding it cannot forward) and close, and the upstream must never see the request. Paths under
 * /streamed forward bodies without buffering them (no retries), so a late framing error is tested there too.
 */

let upstream: CountingUpstream;
let gateway: LimitedGateway;

beforeAll(async () => {
  upstream = await startCountingUpstream();
  gateway = await startLimitedGateway({
    pools: { api: { endpoints: [{ url: upstream.url }] } },
    routes: [
      { match: { path_prefix: '/streamed' }, pool: 'api', retry: { attempts: 1 } },
      { match: { path_prefix: '/' }, pool: 'api' },
    ],
  });
});

afterAll(async () => {
  await gateway.stop();
  await upstream.close();
});

const post = (path: string) => `POST ${path} HTTP/1.1\r\nHost: api.test\r\n`;

const attacks: readonly { name: string; request: (path: string) => string; status?: number }[] = [
  {
    name: 'Content-Length and Transfer-Encoding (CL.TE)',
    request: (p) => `${post(p)}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG`,
  },
  {
    name: 'Transfer-Encoding and Content-Length (TE.CL)',
    request: (p) =>
      `${post(p)}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n`,
  },
  {
    name: 'differing duplicate Content-Length',
    request: (p) => `${post(p)}Content-Length: 5\r\nContent-Length: 11\r\n\r\nhello world`,
  },
  {
    name: 'Content-Length as a list',
    request: (p) => `${post(p)}Content-Length: 5, 11\r\n\r\nhello world`,
  },
  {
    name: 'chunk size that is not hex',
    request: (p) => `${post(p)}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
  },
  {
    name: 'chunk data longer than its size',
    request: (p) => `${post(p)}Transfer-Encoding: chunked\r\n\r\n5\r\nhelloEXTRA\r\n0\r\n\r\n`,
  },
  {
    name: 'Transfer-Encoding not ending in chunked',
    request: (p) => `${post(p)}Transfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  },
  {
    name: 'obfuscated Transfer-Encoding (xchunked)',
    request: (p) => `${post(p)}Transfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  },
  {
    name: 'a transfer coding the gateway cannot forward (gzip, chunked)',
    request: (p) => `${post(p)}Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    status: 501,
  },
  {
    name: 'Transfer-Encoding in an HTTP/1.0 request',
    request: (p) => `POST ${p} HTTP/1.0\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  },
  {
    name: 'obs-fold (a header line starting with a space)',
    request: (p) => `${post(p)}Content-Length: 0\r\nX-Note: a\r\n folded\r\n\r\n`,
  },
  {
    name: 'obs-fold with a tab, hiding Transfer-Encoding',
    request: (p) => `${post(p)}Content-Length: 5\r\nX-Note: a\r\n\tTransfer-Encoding: chunked\r\n\r\nhello`,
  },
  {
    name: 'whitespace between header name and colon',
    request: (p) => `${post(p)}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n`,
  },
  {
    name: 'invalid character in a header name',
    request: (p) => `${post(p)}Content-Length: 0\r\nX Bad[Name]: 1\r\n\r\n`,
  },
  {
    name: 'bare CR inside a header value',
    request: (p) => `${post(p)}Content-Length: 0\r\nX-Note: a\rb\r\n\r\n`,
  },
  {
    name: 'two Host headers',
    request: (p) => `GET ${p} HTTP/1.1\r\nHost: api.test\r\nHost: admin.internal\r\n\r\n`,
  },
  {
    name: 'an HTTP/1.1 request without Host',
    request: (p) => `GET ${p} HTTP/1.1\r\nX-Note: no host\r\n\r\n`,
  },
  {
    name: 'two Host headers, one spelled in capitals',
    request: (p) => `GET ${p} HTTP/1.1\r\nhost: api.test\r\nHOST: admin.internal\r\n\r\n`,
  },
];

describe.each(['/buffered', '/streamed'])('framing attacks on %s', (path) => {
  it.each(attacks)('$name → rejected, never forwarded', async ({ request, status = 400 }) => {
    const before = { ...upstream.seen };
    const reply = await sendRaw(gateway.port, request(path));
    expect(reply.status, reply.text).toBe(status);
    expect(reply.errorCode).toBe(status === 501 ? 'GW_UNSUPPORTED_TRANSFER_CODING' : 'GW_BAD_REQUEST');
    expect(reply.text).toMatch(/\r\nconnection: close\r\n/i);
    expect(upstream.seen).toEqual(before);
  });

  it('forwards a well-formed chunked request (the setup is not simply refusing everything)', async () => {
    const before = upstream.seen.completed;
    const reply = await sendRaw(
      gateway.port,
      `${post(path)}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    );
    expect(reply.status).toBe(200);
    expect(upstream.seen.completed).toBe(before + 1);
  });
});

describe('a framing error after the headers went upstream (streamed body)', () => {
  it('answers 400 and aborts the upstream request, which never completes', async () => {
    const before = { ...upstream.seen };
    const socket = await openSocket(gateway.port);
    const reply = readUntilClose(socket);
    socket.write(`${post('/streamed')}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`);
    await eventually(() => upstream.seen.started > before.started, 5_000, 'the upstream to get the headers');
    socket.write('zz\r\nsmuggled\r\n0\r\n\r\n');
    const answer = await reply;
    expect(answer.status).toBe(400);
    expect(answer.errorCode).toBe('GW_BAD_REQUEST');
    await eventually(
      () => upstream.seen.aborted > before.aborted,
      5_000,
      'the upstream request to be cut off',
    );
    expect(upstream.seen.completed).toBe(before.completed);
  });
});

describe('requests that are not for a reverse proxy', () => {
  it('answers CONNECT with 501 as JSON, not a dropped connection, and never forwards it', async () => {
    const before = { ...upstream.seen };
    const reply = await sendRaw(
      gateway.port,
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    );
    expect(reply.status).toBe(501);
    expect(reply.errorCode).toBe('GW_METHOD_NOT_SUPPORTED');
    expect(upstream.seen).toEqual(before);
  });

  it('forwards an HTTP/1.0 request without Host, which 1.0 allows', async () => {
    const reply = await sendRaw(gateway.port, 'GET /buffered HTTP/1.0\r\n\r\n');
    expect(reply.status).toBe(200);
  });
});

describe('refusals in metrics and logs', () => {
  it('publishes each refusal as an unrouted request with its error code', async () => {
    const requests = captureChannel<RequestEvent>(channelNames.request);
    const parseError = await sendRaw(gateway.port, attacks[0]!.request('/'));
    const guarded = await sendRaw(gateway.port, 'GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n');
    requests.stop();
    expect(requests.events).toMatchObject([
      // Read from the bytes node's parser refused: the request line, its query dropped, never a header.
      { route: 'none', status: 400, errorCode: 'GW_BAD_REQUEST', method: 'POST', path: '/' },
      { route: 'none', status: 400, errorCode: 'GW_BAD_REQUEST', method: 'GET', path: '/x' },
    ]);
    expect(requests.events.map((event) => event.requestId)).toEqual(
      [parseError, guarded].map((reply) => /x-request-id: (\S+)/i.exec(reply.text)?.[1]),
    );
  });
});
