import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { eventually, startTestGateway, type TestGateway } from '../../test/support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../../test/support/test-upstream.ts';
import { within } from '../../test/support/within.ts';
import { cutAtDrainDeadline } from './drain-cut.ts';
import type { DrainableStream } from './exchange-deps.ts';

let gateway: TestGateway | undefined;
const upstreams: TestUpstream[] = [];
const held: ServerResponse[] = [];

afterEach(async () => {
  for (const res of held.splice(0)) res.destroy();
  await gateway?.stop();
  gateway = undefined;
  await Promise.all(upstreams.splice(0).map((upstream) => upstream.close()));
});

/** An upstream (or a bare server) that never answers: the test holds every response. */
async function holdingServer(): Promise<TestUpstream> {
  const started = await startTestUpstream((_req, res) => void held.push(res));
  upstreams.push(started);
  return started;
}

describe('the drain deadline runs on the injected clock', () => {
  it('Gateway.drain cuts a request still open once drain_timeout passes on the clock, not in real time', async () => {
    const clock = new FakeClock();
    const upstream = await holdingServer();
    gateway = await startTestGateway(
      {
        pools: { api: { endpoints: [{ url: upstream.url }] } },
        routes: [{ pool: 'api', timeouts: { first_byte: '0s', total: '120s' } }],
      },
      { clock },
    );
    const answer = request(gateway.url).then(
      (res) => res.body.text(),
      (error: unknown) => error,
    );
    await eventually(() => held.length === 1, 5_000, 'the request at the upstream');
    let isDrained = false;
    const draining = gateway.gateway.drain(30_000).then((result) => {
      isDrained = true;
      return result;
    });
    clock.advance(29_999);
    await eventually(() => gateway?.gateway.openRequests === 1, 1_000, 'the request still open');
    expect(isDrained).toBe(false);
    clock.advance(1);
    // 30 s of real time would fail here: only the clock's deadline can end the drain this soon.
    expect(await within(draining, 2_000, 'the drain')).toEqual({ cutOff: 1, webSocketsClosed: 0 });
    expect(await answer).toBeInstanceOf(Error);
  });

  it('a stream that cannot flush its error event is cut after the 1 s grace on the clock', async () => {
    const clock = new FakeClock();
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      held.push(res);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    upstreams.push({
      url: '',
      server,
      close: () => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(() => resolve()));
      },
    });
    const { port } = server.address() as AddressInfo;
    const body = (await request(`http://127.0.0.1:${port}/`)).body
      .text()
      .catch((error: unknown) => `cut: ${String(error)}`);
    const res = held[0]!;
    // A stream whose client takes no more bytes: asked to end, it never closes by itself.
    const stuck: DrainableStream = { endForDrain: () => undefined };
    const cutting = cutAtDrainDeadline([res], new WeakMap([[res, stuck]]), clock);
    clock.advance(999);
    expect(res.destroyed).toBe(false);
    clock.advance(1);
    // The real-time grace (1 s) would fail this: only the clock's can end it sooner.
    await within(cutting, 500, 'the grace');
    expect(res.destroyed).toBe(true);
    expect(await body).toMatch(/^cut: /);
  });
});
