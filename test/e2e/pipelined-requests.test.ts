import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, subscribeGatewayLogs } from '../../src/observability/index.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { openRecordingClient, type RecordingClient } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * HTTP/1.1 pipelining (RFC 9112 §9.3.2): a connection's requests go upstream one at a time, in order, as
 * nginx, HAProxy and Envoy send them, and none of them outlives the client that sent it.
 */

/** What the upstream saw of one request: its arrival, with how many earlier ones were still unanswered. */
interface Arrival {
  readonly line: string;
  readonly body: string;
  readonly openAtArrival: number;
}

/** An upstream that holds every request until the test releases it, recording arrivals in order. */
interface HoldingUpstream {
  readonly arrivals: Arrival[];
  readonly held: ServerResponse[];
  /** Upstream requests closed before their answer was sent (the gateway let go of them). */
  readonly abandoned: () => number;
}

let gateway: TestGateway | undefined;
let upstream: TestUpstream | undefined;
const clients: Socket[] = [];
const stops: (() => void)[] = [];
const upstreamResponses: ServerResponse[] = [];

afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  for (const client of clients.splice(0)) client.destroy();
  for (const res of upstreamResponses.splice(0)) res.destroy();
  await gateway?.stop();
  gateway = undefined;
  await upstream?.close();
  upstream = undefined;
});

async function startHolding(): Promise<HoldingUpstream> {
  const state = { arrivals: [] as Arrival[], held: [] as ServerResponse[], open: 0, abandoned: 0 };
  upstream = await startTestUpstream((req: IncomingMessage, res: ServerResponse) => {
    const line = `${req.method} ${req.url}`;
    const openAtArrival = state.open;
    state.open += 1;
    upstreamResponses.push(res);
    res.on('close', () => {
      state.open -= 1;
      if (!res.writableFinished) state.abandoned += 1;
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      state.arrivals.push({ line, body: Buffer.concat(chunks).toString('latin1'), openAtArrival });
      state.held.push(res);
    });
  });
  gateway = await startTestGateway({
    pools: { api: { endpoints: [{ url: upstream.url }] } },
    routes: [{ pool: 'api', timeouts: { first_byte: '0s', total: '120s' } }],
  });
  return { arrivals: state.arrivals, held: state.held, abandoned: () => state.abandoned };
}

/** Writes `requests` in one write on one connection; `received()` is what came back so far. */
async function pipeline(requests: readonly string[]): Promise<RecordingClient> {
  const client = await openRecordingClient(Number(new URL(gateway!.url).port));
  clients.push(client.socket);
  client.socket.write(requests.join(''));
  return client;
}

/** Answers whatever the upstream holds, with its request line as the body, until `isDone`. */
async function answerUntil(
  upstreamState: HoldingUpstream,
  isDone: () => boolean,
  what: string,
): Promise<void> {
  await eventually(
    () => {
      for (const res of upstreamState.held.splice(0)) res.end(`<answer ${res.req.method} ${res.req.url}>`);
      return isDone();
    },
    10_000,
    what,
  );
}

const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: a.example\r\n\r\n`;
const bodiesIn = (text: string): string[] => [...text.matchAll(/<(answer [^>]*)>/g)].map((m) => m[1] ?? '');

describe('pipelined HTTP/1.1 requests', () => {
  it('go upstream one at a time, each after the answer before it, and come back in order', async () => {
    const holding = await startHolding();
    const paths = Array.from({ length: 20 }, (_, index) => `/p${index}`);
    const client = await pipeline(paths.map(get));

    await answerUntil(holding, () => bodiesIn(client.received()).length === paths.length, 'all 20 answers');

    expect(holding.arrivals.map((arrival) => arrival.line)).toEqual(paths.map((path) => `GET ${path}`));
    expect(holding.arrivals.map((arrival) => arrival.openAtArrival)).toEqual(paths.map(() => 0));
    expect(bodiesIn(client.received())).toEqual(paths.map((path) => `answer GET ${path}`));
  });

  it('reach the upstream in the order sent when POSTs sit between GETs, their bodies whole', async () => {
    const holding = await startHolding();
    // Larger than node's buffers: this body waits unread on the connection until its request's turn.
    const bigBody = 'b'.repeat(256 * 1024);
    const post = (path: string, body: string): string =>
      `POST ${path} HTTP/1.1\r\nHost: a.example\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const client = await pipeline([
      get('/one'),
      post('/two', 'hello'),
      get('/three'),
      post('/four', bigBody),
    ]);

    await answerUntil(holding, () => bodiesIn(client.received()).length === 4, 'all 4 answers');

    const lines = ['GET /one', 'POST /two', 'GET /three', 'POST /four'];
    expect(holding.arrivals.map((arrival) => arrival.line)).toEqual(lines);
    expect(holding.arrivals.map((arrival) => arrival.body)).toEqual(['', 'hello', '', bigBody]);
    expect(bodiesIn(client.received())).toEqual(lines.map((line) => `answer ${line}`));
  });

  it('are all let go when the client leaves: the one upstream closed, the waiting ones never sent', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    stops.push(subscribeGatewayLogs(logger));
    const holding = await startHolding();
    const paths = ['/p0', '/p1', '/p2', '/p3', '/p4'];
    const client = await pipeline(paths.map(get));
    await eventually(() => holding.arrivals.length > 0, 5_000, 'the first request at the upstream');

    client.socket.destroy();
    const closedLines = () => lines.filter((line) => line.errorCode === 'GW_CLIENT_CLOSED');
    await eventually(() => closedLines().length === paths.length, 5_000, 'a 499 line per request');
    await eventually(() => holding.abandoned() === 1, 5_000, 'the upstream request closed');

    expect(holding.arrivals.map((arrival) => arrival.line)).toEqual(['GET /p0']);
    expect(gateway!.gateway.status()[0]?.endpoints[0]?.inFlight).toBe(0);
    // The one that ran is logged under its route; the others never reached one.
    const outcomes = closedLines().map((line) => [line.path, line.status, line.route]);
    expect(outcomes.sort()).toEqual([
      ['/p0', 499, '0'],
      ...paths.slice(1).map((path) => [path, 499, 'none']),
    ]);
  });

  it('never get a refusal written into the answer under way when malformed bytes follow them', async () => {
    const holding = await startHolding();
    const client = await pipeline([get('/streaming'), get('/waiting')]);
    await eventually(() => holding.held.length === 1, 5_000, 'the first request at the upstream');
    holding.held[0]!.writeHead(200, { 'content-type': 'text/plain' });
    holding.held[0]!.write('first part;');
    await eventually(() => client.received().includes('first part;'), 5_000, 'the answer begun');
    const closed = new Promise((resolve) => client.socket.once('close', resolve));

    client.socket.write('GET /bad path HTTP/1.1\r\nHost: a.example\r\n\r\n');
    holding.held[0]!.end('last part');
    await eventually(() => holding.held.length === 2, 5_000, '/waiting at the upstream, in its turn');
    holding.held[1]!.end('waiting answer');
    await closed;

    // Each answer parsed before the bad bytes completes, untouched, in turn (as nginx); then the 400, and close.
    expect(client.received()).toMatch(
      /first part;[^]*last part[^]*waiting answer(\r\n0\r\n\r\n)?HTTP\/1\.1 400 Bad Request\r\n/,
    );
    expect(holding.arrivals.map((arrival) => arrival.line)).toEqual(['GET /streaming', 'GET /waiting']);
  });
});
