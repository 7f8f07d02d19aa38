import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { channelNames, type RequestEvent } from '../../src/core/events.ts';
import { eventually } from '../support/gateway-harness.ts';
import { captureChannel } from '../support/pool-fixtures.ts';
import { openRecordingClient, startLimitedGateway, type LimitedGateway } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * Malformed bytes pipelined behind requests still being answered: as nginx (which reads a request only once the
 * one before is answered), every request parsed before them is answered, then the 400, then the connection
 * closes. Before, the connection was cut at once and the request in flight logged as the client leaving (499).
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
  readonly arrivals: string[];
  readonly held: ServerResponse[];
  readonly events: RequestEvent[];
  readonly client: Socket;
  received: () => string;
  isClosed: () => boolean;
}

async function start(): Promise<Setup> {
  const arrivals: string[] = [];
  const held: ServerResponse[] = [];
  upstream = await startTestUpstream((req: IncomingMessage, res: ServerResponse) => {
    arrivals.push(`${req.method} ${req.url}`);
    cleanups.push(() => res.destroy());
    held.push(res);
  });
  gateway = await startLimitedGateway({
    pools: { api: { endpoints: [{ url: upstream.url }] } },
    routes: [{ pool: 'api', timeouts: { first_byte: '0s', total: '120s' } }],
  });
  const capture = captureChannel<RequestEvent>(channelNames.request);
  cleanups.push(capture.stop);
  const client = await openRecordingClient(gateway.port);
  cleanups.push(() => client.socket.destroy());
  return {
    arrivals,
    held,
    events: capture.events,
    client: client.socket,
    received: client.received,
    isClosed: client.isClosed,
  };
}

const get = (path: string): string =>
  `GET ${path} HTTP/1.1\r\nHost: a.example\r\nX-Request-Id: id-${path.slice(1)}\r\n\r\n`;
const badHeader = 'GET /bad HTTP/1.1\r\nHost: a.example\r\nBad Header: x\r\n\r\n';

const summary = (events: readonly RequestEvent[]) =>
  events.map((e) => `${e.path} ${e.status} ${e.errorCode ?? ''}`.trim());

describe('a malformed request pipelined behind one in flight', () => {
  it('lets the one in flight be answered, then answers 400 and closes', async () => {
    const setup = await start();
    setup.client.write(get('/slow') + badHeader);
    await eventually(() => setup.held.length === 1, 5_000, '/slow at the upstream');
    setup.client.write('more bytes after the bad ones\r\n\r\n');

    setup.held.shift()!.end('slow answer');
    await eventually(setup.isClosed, 5_000, 'the connection closed');

    const answers = setup.received().split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*x-request-id: id-slow\r\n[^]*slow answer$/);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[^]*"code":"GW_BAD_REQUEST"/);
    await eventually(() => setup.events.length === 2, 5_000, 'both logged');
    expect(summary(setup.events)).toEqual(['/slow 200', '/bad 400 GW_BAD_REQUEST']);
  });

  it('answers every request parsed before the bad bytes, in order, then the 400', async () => {
    const setup = await start();
    setup.client.write(get('/slow') + get('/next') + badHeader);
    await eventually(() => setup.held.length === 1, 5_000, '/slow at the upstream');

    setup.held.shift()!.end('slow answer');
    await eventually(() => setup.held.length === 1, 5_000, '/next at the upstream');
    setup.held.shift()!.end('next answer');
    await eventually(setup.isClosed, 5_000, 'the connection closed');

    expect(setup.arrivals).toEqual(['GET /slow', 'GET /next']);
    const statuses = [...setup.received().matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '200', '400']);
    expect(setup.received()).toMatch(/slow answer[^]*next answer[^]*GW_BAD_REQUEST/);
    await eventually(() => setup.events.length === 3, 5_000, 'all three logged');
    expect(summary(setup.events)).toEqual(['/slow 200', '/next 200', '/bad 400 GW_BAD_REQUEST']);
  });
  it('still notices the client leaving while the one in flight is answered: 499, the upstream let go', async () => {
    const setup = await start();
    setup.client.write(get('/slow') + badHeader);
    await eventually(() => setup.held.length === 1, 5_000, '/slow at the upstream');
    let isUpstreamLetGo = false;
    setup.held[0]!.on('close', () => (isUpstreamLetGo = true));

    setup.client.end();
    await eventually(() => setup.events.length === 1, 5_000, 'the request in flight logged');
    expect(summary(setup.events)).toEqual(['/slow 499 GW_CLIENT_CLOSED']);
    await eventually(() => isUpstreamLetGo, 5_000, 'the upstream request aborted');
  });
});
