import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEventStream } from '../support/event-stream-parser.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

let gateway: TestGateway | undefined;
const upstreams: TestUpstream[] = [];

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

async function upstream(handler: Parameters<typeof startTestUpstream>[0]): Promise<TestUpstream> {
  const started = await startTestUpstream(handler);
  upstreams.push(started);
  return started;
}

/** An address nothing listens on: bind, note the port, close. */
async function deadUrl(): Promise<string> {
  const probe = await startTestUpstream(() => undefined);
  await probe.close();
  return probe.url;
}

describe('upstream quirks and slow clients', () => {
  it('passes over a 103 Early Hints interim response and forwards the final one', async () => {
    const up = await upstream((_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' }, () => res.end('final'));
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: up.url }] } },
      routes: [{ pool: 'api' }],
    });
    for (let i = 0; i < 3; i++) {
      const res = await request(gateway.url);
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe('final');
    }
    expect(gateway.gateway.status()[0]?.endpoints[0]?.isEjected).toBe(false);
  });

  it('ends an SSE stream cut mid-event with an error event, never with the half-sent event', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('id: 1\ndata: {"token":"Hel"}\n\nid: 2\ndata: {"tok', () =>
        setTimeout(() => res.socket?.destroy(), 20),
      );
    });
    gateway = await startTestGateway({
      pools: { llm: { endpoints: [{ url: up.url }] } },
      routes: [{ pool: 'llm' }],
    });
    const res = await request(gateway.url);
    let text = '';
    await expect(
      (async () => {
        for await (const chunk of res.body) text += String(chunk);
      })(),
    ).rejects.toThrow();
    // As an EventSource reads it: the whole event, the half one under a type no `onmessage` takes, then an
    // error; a reconnect would ask for event 2 again.
    const { events, lastEventId } = parseEventStream(text);
    expect(events.map((event) => event.type)).toEqual(['message', 'bulwark-discarded', 'error']);
    expect(events[0]?.data).toBe('{"token":"Hel"}');
    expect(events[2]?.data).toMatch(/"code":"GW_UPSTREAM_STREAM_FAILED"/);
    expect(lastEventId).toBe('1');
  });

  it('lets go of the upstream when a client stops reading for longer than the idle timeout', async () => {
    let upstreamClosed = false;
    const chunk = Buffer.alloc(64 * 1024, 1);
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = (): void => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      pump();
      res.on('close', () => (upstreamClosed = true));
    });
    gateway = await startTestGateway({
      pools: { llm: { endpoints: [{ url: up.url }] } },
      routes: [{ pool: 'llm', timeouts: { idle: '300ms', total: '1s' } }],
    });
    const { port } = new URL(gateway.url);
    // A raw socket that sends a request and then never reads: the gateway's writes back up.
    const socket = connect(Number(port), '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    socket.pause();
    await eventually(() => upstreamClosed, 5_000, 'the upstream request to be closed');
    expect(gateway.gateway.status()[0]?.endpoints[0]?.inFlight).toBe(0);
    socket.destroy();
  });

  it('retries a streamed body larger than max_replay_body after a refused connect: nothing read it yet', async () => {
    let receivedBytes = 0;
    const good = await upstream((req, res) => {
      req.on('data', (part: Buffer) => (receivedBytes += part.length));
      req.on('end', () => res.end('ok'));
    });
    gateway = await startTestGateway({
      pools: { api: { balancer: 'round-robin', endpoints: [{ url: await deadUrl() }, { url: good.url }] } },
      routes: [{ pool: 'api', max_replay_body: '1KiB' }],
    });
    for (let i = 0; i < 4; i++) {
      const res = await request(gateway.url, { method: 'PUT', body: Buffer.alloc(100_000) });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    }
    expect(receivedBytes).toBe(4 * 100_000);
  });

  it('times first_byte from the last byte of a streamed body: a slow upload is not a slow upstream', async () => {
    const up = await upstream((req, res) => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => res.end(`got ${bytes}`));
    });
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: up.url }] } },
      routes: [{ pool: 'api', max_replay_body: '1KiB', timeouts: { first_byte: '300ms', total: '400ms' } }],
    });
    // A client uploading 4 KiB over about a second, three times first_byte and twice total (input pacing,
    // not a wait: the slow client is what is being tested).
    async function* slowly(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 4; i++) {
        yield Buffer.alloc(1024, 0x61);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    }
    const res = await request(gateway.url, { method: 'POST', body: Readable.from(slowly()) });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('got 4096');
  });

  it('still times out an upstream that is silent once the streamed body is in', async () => {
    const up = await upstream((req) => req.resume());
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: up.url }] } },
      routes: [{ pool: 'api', max_replay_body: '1KiB', timeouts: { first_byte: '200ms' } }],
    });
    const res = await request(gateway.url, { method: 'POST', body: Buffer.alloc(8 * 1024) });
    expect(res.statusCode).toBe(504);
    expect(await res.body.text()).toContain('GW_UPSTREAM_TIMEOUT');
  });

  it('tells the client which pool failed, not the upstream address or library error', async () => {
    const dead = await deadUrl();
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: dead }] } },
      routes: [{ pool: 'api' }],
    });
    const res = await request(gateway.url);
    const text = await res.body.text();
    expect(res.statusCode).toBe(502);
    expect(text).toContain('pool \\"api\\"');
    expect(text).not.toContain(new URL(dead).port);
    expect(text).not.toContain('ECONNREFUSED');
  });
});
