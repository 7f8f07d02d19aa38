import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { channelNames, type RequestEvent } from '../../src/core/events.ts';
import { eventually } from '../support/gateway-harness.ts';
import { captureChannel } from '../support/pool-fixtures.ts';
import { openRecordingClient, startLimitedGateway, type LimitedGateway } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * `limits.request_timeout` ending a request pipelined behind an answer still under way: whatever the gateway
 * wrote then would be read by the client as that earlier request's answer, so nothing is written for the
 * later one, which never starts; the earlier answer completes, then the connection closes.
 */

let gateway: LimitedGateway | undefined;
let upstream: TestUpstream | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await gateway?.stop();
  await upstream?.close();
  gateway = undefined;
  upstream = undefined;
});

interface Setup {
  /** Request lines in the order the upstream saw them. */
  readonly arrivals: string[];
  readonly held: ServerResponse[];
  /** Request timeouts node's listener reported (its clientError). */
  readonly timeouts: () => number;
  readonly requests: RequestEvent[];
  readonly client: Socket;
  received: () => string;
  isClosed: () => boolean;
}

// The POST's body stops half way, behind a GET the upstream has not answered.
const slowThenStalledUpload =
  'GET /slow HTTP/1.1\r\nHost: a.example\r\nX-Request-Id: id-slow\r\n\r\n' +
  'POST /upload HTTP/1.1\r\nHost: a.example\r\nX-Request-Id: id-upload\r\nContent-Length: 10\r\n\r\nhalf!';

/** `respond` starts the upstream's answer to each request, which the test then holds or ends. */
async function start(respond: (res: ServerResponse) => void, bytes = slowThenStalledUpload): Promise<Setup> {
  const arrivals: string[] = [];
  const held: ServerResponse[] = [];
  upstream = await startTestUpstream((req: IncomingMessage, res: ServerResponse) => {
    arrivals.push(`${req.method} ${req.url}`);
    cleanups.push(() => res.destroy());
    req.resume();
    req.on('end', () => {
      respond(res);
      held.push(res);
    });
  });
  gateway = await startLimitedGateway({
    limits: { request_timeout: '1s', header_timeout: '1s' },
    pools: { api: { endpoints: [{ url: upstream.url }] } },
    routes: [{ pool: 'api', timeouts: { first_byte: '0s' } }],
  });
  let timeouts = 0;
  gateway.server.on('clientError', (error: { code?: string }) => {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') timeouts += 1;
  });
  const capture = captureChannel<RequestEvent>(channelNames.request);
  cleanups.push(capture.stop);
  const client = await openRecordingClient(gateway.port);
  cleanups.push(() => client.socket.destroy());
  client.socket.write(bytes);
  return {
    arrivals,
    held,
    timeouts: () => timeouts,
    requests: capture.events,
    client: client.socket,
    received: client.received,
    isClosed: client.isClosed,
  };
}

const streamFirst = (res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write('data: first\n\n');
};

const summary = (events: readonly RequestEvent[]) =>
  events.map((e) => `${e.requestId} ${e.route} ${e.status} ${e.errorCode ?? ''}`.trim()).sort();

describe('a pipelined request whose body outlasts limits.request_timeout while it waits its turn', () => {
  it('gets no 408 in the earlier answer’s place: that answer completes, then the connection closes', async () => {
    const setup = await start(() => undefined);
    await eventually(() => setup.held.length === 1, 5_000, '/slow at the upstream');
    await eventually(() => setup.timeouts() === 1, 5_000, "the POST's request timeout");
    expect(setup.received()).toBe('');

    setup.held.shift()!.end('slow answer');
    await eventually(setup.isClosed, 5_000, 'the connection closed');

    expect(setup.received()).toMatch(
      /^HTTP\/1\.1 200 OK\r\n[^]*x-request-id: id-slow\r\n[^]*\r\n\r\nslow answer$/,
    );
    expect(setup.received()).toMatch(/\r\nConnection: close\r\n/);
    expect(setup.arrivals).toEqual(['GET /slow']);
    await eventually(() => setup.requests.length === 2, 5_000, 'both requests logged');
    expect(summary(setup.requests)).toEqual(['id-slow 0 200', 'id-upload none 0 GW_REQUEST_TIMEOUT']);
  });

  it('when the earlier answer had already promised keep-alive, still closes after it, the POST never sent', async () => {
    const setup = await start(streamFirst);
    await eventually(() => setup.received().includes('data: first'), 5_000, "the stream's headers");
    expect(setup.received()).toMatch(/\r\nConnection: keep-alive\r\n/);
    await eventually(() => setup.timeouts() === 1, 5_000, "the POST's request timeout");

    setup.held.shift()!.end('data: last\n\n');
    await eventually(setup.isClosed, 5_000, 'the connection closed');

    expect(setup.received()).toContain('data: last');
    expect(setup.received()).not.toContain('HTTP/1.1 408');
    expect(setup.arrivals).toEqual(['GET /slow']);
    await eventually(() => setup.requests.length === 2, 5_000, 'both requests logged');
    expect(summary(setup.requests)).toEqual(['id-slow 0 200', 'id-upload none 0 GW_REQUEST_TIMEOUT']);
  });

  it('behind a keep-alive answer and a complete request, a stalled header ends the connection after that answer', async () => {
    const setup = await start(
      streamFirst,
      'GET /slow HTTP/1.1\r\nHost: a.example\r\nX-Request-Id: id-slow\r\n\r\n' +
        'GET /next HTTP/1.1\r\nHost: a.example\r\nX-Request-Id: id-next\r\n\r\n' +
        'GET /stalled HTTP/1.1\r\nHo',
    );
    await eventually(() => setup.received().includes('data: first'), 5_000, "the stream's headers");
    await eventually(() => setup.timeouts() === 1, 5_000, "the third request's header timeout");

    setup.held.shift()!.end('data: last\n\n');
    await eventually(setup.isClosed, 5_000, 'the connection closed');

    expect(setup.received()).toContain('data: last');
    expect(setup.received()).not.toContain('HTTP/1.1 408');
    // The connection closed after the stream: /next was never started, so the client sends it again.
    expect(setup.arrivals).toEqual(['GET /slow']);
    await eventually(() => setup.requests.length === 1, 5_000, 'the stream logged');
    expect(summary(setup.requests)).toEqual(['id-slow 0 200']);
  });
});
