import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { channelNames, type RequestEvent } from '../../src/core/events.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { captureChannel } from '../support/pool-fixtures.ts';
import { openRecordingClient } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * A stop or reload whose drain_timeout cuts an answer with requests pipelined behind it: the gateway closed
 * the connection, not the client, which sends those requests again (RFC 9112 §9.3.2), so they are not logged.
 */

let gateway: TestGateway | undefined;
let upstream: TestUpstream | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await gateway?.stop();
  await upstream?.close();
  gateway = undefined;
  upstream = undefined;
});

const get = (path: string, requestId: string): string =>
  `GET ${path} HTTP/1.1\r\nHost: a.example\r\nX-Request-Id: ${requestId}\r\n\r\n`;

describe('requests pipelined behind an answer the drain deadline cuts', () => {
  it.each([
    ['an event stream', 'text/event-stream', 'data: first\n\n'],
    ['a chunked body', 'text/plain', 'first part;'],
  ])(
    'behind %s: are not logged as the client leaving (499), the cut answer is GW_DRAINED',
    async (_, type, chunk) => {
      const arrivals: string[] = [];
      upstream = await startTestUpstream((req: IncomingMessage, res: ServerResponse) => {
        arrivals.push(`${req.method} ${req.url}`);
        cleanups.push(() => res.destroy());
        res.writeHead(200, { 'content-type': type });
        res.write(chunk);
      });
      const clock = new FakeClock();
      gateway = await startTestGateway(
        {
          pools: { api: { endpoints: [{ url: upstream.url }] } },
          routes: [{ pool: 'api', timeouts: { first_byte: '0s', idle: '0s', total: '1h' } }],
        },
        { clock },
      );
      const capture = captureChannel<RequestEvent>(channelNames.request);
      cleanups.push(capture.stop);
      const client = await openRecordingClient(Number(new URL(gateway.url).port));
      cleanups.push(() => client.socket.destroy());
      client.socket.write(get('/stream', 'id-stream') + get('/next', 'id-next') + get('/last', 'id-last'));
      await eventually(() => client.received().includes(chunk), 5_000, 'the answer begun');

      const drained = gateway.gateway.drain(1_000);
      clock.advance(1_000);
      expect((await drained).cutOff).toBe(1);
      await eventually(async () => (await gateway!.openConnections()) === 0, 5_000, 'the connection closed');
      await eventually(() => capture.events.length > 0, 5_000, 'the cut answer logged');

      expect(arrivals).toEqual(['GET /stream']);
      const logged = capture.events.map((e) => `${e.requestId} ${e.status} ${e.errorCode ?? ''}`);
      expect(logged).toEqual(['id-stream 200 GW_DRAINED']);
    },
  );
});
