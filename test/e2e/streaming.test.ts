import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

let gateway: TestGateway | undefined;
let upstream: TestUpstream | undefined;

afterEach(async () => {
  await gateway?.stop();
  await upstream?.close();
  gateway = upstream = undefined;
});

const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

/** Reads an SSE body, noting when each complete event arrived. */
async function readEvents(
  body: AsyncIterable<Buffer>,
  onEvent: (event: string, atMs: number) => void,
): Promise<void> {
  let pending = '';
  for await (const chunk of body) {
    pending += chunk.toString('utf8');
    for (let end = pending.indexOf('\n\n'); end >= 0; end = pending.indexOf('\n\n')) {
      onEvent(pending.slice(0, end), performance.now());
      pending = pending.slice(end + 2);
    }
  }
}

describe('server-sent events through the gateway', () => {
  it('delivers every event within 10 ms of when it arrives directly', async () => {
    const listeners = new Set<ServerResponse>();
    upstream = await startTestUpstream((_req, res) => {
      res.writeHead(200, sseHeaders);
      res.flushHeaders();
      listeners.add(res);
    });
    gateway = await startTestGateway({
      pools: { llm: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'llm' }],
    });
    const [direct, proxied] = await Promise.all([request(upstream.url), request(gateway.url)]);
    expect(proxied.headers['content-type']).toBe('text/event-stream');
    const directAt: number[] = [];
    const proxiedAt: number[] = [];
    const reading = Promise.all([
      readEvents(direct.body, (_e, at) => directAt.push(at)),
      readEvents(proxied.body, (_e, at) => proxiedAt.push(at)),
    ]);
    await eventually(() => listeners.size === 2, 2_000, 'both streams to open');
    const eventCount = 20;
    for (let i = 0; i < eventCount; i++) {
      // Events go to both connections in the same tick, then the test waits for both to arrive.
      for (const res of listeners) res.write(`data: {"token":${i}}\n\n`);
      await eventually(() => directAt.length > i && proxiedAt.length > i, 2_000, `event ${i}`);
    }
    for (const res of listeners) res.end();
    await reading;
    const delaysMs = proxiedAt.map((at, i) => at - directAt[i]!);
    expect(delaysMs).toHaveLength(eventCount);
    expect(Math.max(...delaysMs)).toBeLessThan(10);
  });

  it('ends a stream whose upstream dies with an `event: error` frame, never a clean end', async () => {
    upstream = await startTestUpstream((_req, res) => {
      res.writeHead(200, sseHeaders);
      res.write('data: {"token":"Hel"}\n\n');
      res.write('data: {"token":"lo"}\n\n', () => setTimeout(() => res.socket?.destroy(), 20));
    });
    gateway = await startTestGateway({
      pools: { llm: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'llm' }],
    });
    const res = await request(gateway.url);
    const events: string[] = [];
    await expect(readEvents(res.body, (event) => events.push(event))).rejects.toThrow();
    expect(events.slice(0, 2)).toEqual(['data: {"token":"Hel"}', 'data: {"token":"lo"}']);
    const last = events.at(-1) ?? '';
    expect(last).toMatch(/^event: error\ndata: /);
    const reason = JSON.parse(last.split('\ndata: ')[1]!) as { error: { code: string; request_id: string } };
    expect(reason.error.code).toBe('GW_UPSTREAM_STREAM_FAILED');
    expect(reason.error.request_id).toBe(res.headers['x-request-id']);
  });

  it('ends with an `event: error` frame when the upstream goes quiet for longer than the idle timeout', async () => {
    upstream = await startTestUpstream((_req, res) => {
      res.writeHead(200, sseHeaders);
      res.write('data: {"token":"Hel"}\n\n');
      // …and then nothing, with the connection left open.
    });
    gateway = await startTestGateway({
      pools: { llm: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'llm', timeouts: { idle: '300ms', total: '30s' } }],
    });
    const res = await request(gateway.url);
    const events: string[] = [];
    await expect(readEvents(res.body, (event) => events.push(event))).rejects.toThrow();
    expect(events[0]).toBe('data: {"token":"Hel"}');
    const reason = JSON.parse(events.at(-1)!.split('\ndata: ')[1]!) as {
      error: { code: string; message: string };
    };
    expect(reason.error.code).toBe('GW_UPSTREAM_STREAM_FAILED');
    expect(reason.error.message).toContain('idle timeout');
  });

  it('is bounded by the idle timeout between events, not by the total timeout', async () => {
    upstream = await startTestUpstream((_req, res) => {
      res.writeHead(200, sseHeaders);
      let sent = 0;
      const timer = setInterval(() => {
        res.write(`data: ${sent}\n\n`);
        if (++sent === 6) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
    });
    gateway = await startTestGateway({
      pools: { llm: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'llm', timeouts: { total: '250ms', idle: '2s' } }],
    });
    const res = await request(gateway.url);
    const events: string[] = [];
    await readEvents(res.body, (event) => events.push(event));
    expect(events).toHaveLength(6);
  });
});
