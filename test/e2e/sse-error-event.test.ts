import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventSource } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';
import { within } from '../support/within.ts';

/** A stream cut inside an event, as a browser's EventSource (undici's, the same WHATWG parser) sees it. */

let gateway: TestGateway | undefined;
let upstream: TestUpstream | undefined;
let source: EventSource | undefined;

afterEach(async () => {
  source?.close();
  await gateway?.stop();
  await upstream?.close();
  gateway = upstream = source = undefined;
});

/** One whole event (id 1), then half of the next (id 99): its data line stops mid-JSON. */
const sentBeforeCut = 'retry: 10\n\nid: 1\ndata: {"tok":"a"}\n\nid: 99\ndata: {"tok":';

interface Seen {
  readonly messages: string[];
  /** The error event's data and lastEventId, once it came. */
  error?: { readonly data: string; readonly lastEventId: string };
}

/** Opens an EventSource on the gateway that records ordinary messages and the gateway's error event. */
function listen(url: string): Seen {
  const seen: Seen = { messages: [] };
  source = new EventSource(url);
  source.onmessage = (event) => seen.messages.push(String(event.data));
  // Connection failures are plain Events; the gateway's `event: error` is a MessageEvent with data.
  source.addEventListener('error', (event: Event) => {
    if ('data' in event && seen.error === undefined) {
      const { data, lastEventId } = event as Event & { data: unknown; lastEventId: string };
      seen.error = { data: String(data), lastEventId };
    }
  });
  return seen;
}

function expectCleanErrorEvent(seen: Seen, code: string): void {
  expect(seen.messages).toEqual(['{"tok":"a"}']);
  expect(JSON.parse(seen.error?.data ?? '')).toMatchObject({ error: { code } });
  expect(seen.error?.lastEventId).toBe('1');
}

describe('an event stream cut inside an event, read by an EventSource', () => {
  it('gets an error event whose data is JSON, and a reconnect asks for the cut event again', async () => {
    const lastEventIds: (string | undefined)[] = [];
    upstream = await startTestUpstream((req: IncomingMessage, res: ServerResponse) => {
      lastEventIds.push(req.headers['last-event-id'] as string | undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (lastEventIds.length > 1) return;
      res.write(sentBeforeCut, () => res.socket?.resetAndDestroy());
    });
    gateway = await startTestGateway({
      pools: { llm: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'llm' }],
    });
    const seen = listen(gateway.url);
    await eventually(() => lastEventIds.length === 2, 5_000, 'the EventSource to reconnect');
    expectCleanErrorEvent(seen, 'GW_UPSTREAM_STREAM_FAILED');
    expect(lastEventIds).toEqual([undefined, '1']);
  });

  it('gets the same at the drain deadline (GW_DRAINED)', async () => {
    const clock = new FakeClock();
    const held: ServerResponse[] = [];
    upstream = await startTestUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sentBeforeCut);
      held.push(res);
    });
    gateway = await startTestGateway(
      { pools: { llm: { endpoints: [{ url: upstream.url }] } }, routes: [{ pool: 'llm' }] },
      { clock },
    );
    const seen = listen(gateway.url);
    await eventually(() => seen.messages.length === 1, 5_000, 'the first event');
    const draining = gateway.gateway.drain(1_000);
    clock.advance(1_000);
    await eventually(() => seen.error !== undefined, 5_000, 'the error event');
    source?.close();
    clock.advance(1_000);
    await within(draining, 5_000, 'the drain');
    expectCleanErrorEvent(seen, 'GW_DRAINED');
  });
});
