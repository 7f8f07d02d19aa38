import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { channelNames, type RetryEvent } from '../../src/core/events.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { openSocket } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

let gateway: TestGateway | undefined;
const upstreams: TestUpstream[] = [];
const clients: Socket[] = [];

afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy();
  await gateway?.stop();
  gateway = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

describe('backpressure', () => {
  it('a client that stops reading stalls the upstream instead of filling the gateway memory', async () => {
    const chunk = Buffer.alloc(64 * 1024, 1);
    const totalBytes = 256 * 1024 * 1024;
    let writtenBytes = 0;
    let isUpstreamBlocked = false;
    const upstream = await startTestUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': totalBytes });
      const pump = (): void => {
        while (writtenBytes < totalBytes) {
          writtenBytes += chunk.length;
          if (!res.write(chunk)) {
            isUpstreamBlocked = true;
            res.once('drain', () => {
              isUpstreamBlocked = false;
              pump();
            });
            return;
          }
        }
        res.end();
      };
      pump();
    });
    upstreams.push(upstream);
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'api' }],
    });
    const res = await request(gateway.url, { highWaterMark: 64 * 1024 });
    // Nobody reads the body yet: the upstream must soon be unable to write, long before the 256 MiB are out.
    await eventually(
      () => isUpstreamBlocked && writtenBytes > 0,
      5_000,
      'the upstream to be blocked by backpressure',
    );
    // Absence of progress needs a window, not a poll: without backpressure the gateway would keep reading
    // and loopback moves far more than 32 MiB in 300 ms.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(writtenBytes).toBeLessThan(32 * 1024 * 1024);
    let receivedBytes = 0;
    for await (const part of res.body) receivedBytes += (part as Buffer).length;
    expect(receivedBytes).toBe(totalBytes);
  });
});

describe('max_replay_body', () => {
  it('streams a body larger than the limit and does not replay it, saying why', async () => {
    const denials: RetryEvent[] = [];
    const onRetry = (message: unknown): void => void denials.push(message as RetryEvent);
    subscribe(channelNames.retry, onRetry);
    try {
      let receivedBytes = 0;
      const flaky = await startTestUpstream((req, res) => {
        req.on('data', (part: Buffer) => (receivedBytes += part.length));
        req.on('end', () => {
          res.writeHead(503);
          res.end();
        });
      });
      upstreams.push(flaky);
      gateway = await startTestGateway({
        pools: { api: { endpoints: [{ url: flaky.url }] } },
        routes: [
          {
            pool: 'api',
            max_replay_body: '1KiB',
            retry: { attempts: 3, on: [503], retry_non_idempotent: true },
          },
        ],
      });
      const small = await request(gateway.url, { method: 'POST', body: Buffer.alloc(512) });
      await small.body.dump();
      expect(receivedBytes).toBe(3 * 512);
      receivedBytes = 0;
      const large = await request(gateway.url, { method: 'POST', body: Buffer.alloc(4096) });
      expect(large.statusCode).toBe(503);
      await large.body.dump();
      expect(receivedBytes).toBe(4096);
      expect(denials.map((d) => d.decision)).toContain('body-not-replayable');
    } finally {
      unsubscribe(channelNames.retry, onRetry);
    }
  });
});

describe('idle off (0s)', () => {
  it('lets a client that reads slowly have the whole body, as nothing bounds its pauses', async () => {
    const chunk = Buffer.alloc(256 * 1024, 1);
    const chunkCount = 40;
    const upstream = await startTestUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < chunkCount; i += 1) res.write(chunk);
      res.end();
    });
    upstreams.push(upstream);
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'api', timeouts: { idle: '0s' } }],
    });
    const res = await request(gateway.url, { highWaterMark: 64 * 1024 });
    let receivedBytes = 0;
    for await (const part of res.body) {
      receivedBytes += (part as Buffer).length;
      // Reading slower than loopback delivers makes the gateway pause the upstream again and again; the
      // pause is the test's subject, not a wait for something.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(receivedBytes).toBe(chunk.length * chunkCount);
  });
});

describe('a stalled client of a broken event stream', () => {
  it('loses its connection within the idle timeout, though the error frame cannot reach it', async () => {
    const event = `data: ${'x'.repeat(16 * 1024)}\n\n`;
    let lastWriteMs = Date.now();
    let upstreamResponse: ServerResponse | undefined;
    const upstream = await startTestUpstream((_req, res) => {
      upstreamResponse = res;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = (): void => {
        do lastWriteMs = Date.now();
        while (res.write(event));
        res.once('drain', pump);
      };
      pump();
    });
    upstreams.push(upstream);
    gateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'api', timeouts: { idle: '1s' } }],
    });
    const client = await openSocket(Number(new URL(gateway.url).port));
    clients.push(client);
    // The client asks and never reads, so every buffer on the way fills and the gateway pauses the upstream.
    client.pause();
    client.write('GET /events HTTP/1.1\r\nHost: api.test\r\n\r\n');
    // Absence of progress needs a window: loopback drains a buffer in far less than 200 ms.
    await eventually(
      () => Date.now() - lastWriteMs > 200,
      5_000,
      'the upstream to be blocked by backpressure',
    );
    // The upstream fails mid-stream while the client is stalled: the error frame waits behind unread bytes.
    upstreamResponse!.destroy();
    const failedAtMs = Date.now();
    await eventually(
      async () => (await gateway!.openConnections()) === 0,
      5_000,
      'the client connection to close',
    );
    expect(Date.now() - failedAtMs).toBeLessThan(2_000);
  });
});
