import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { startBulwarkProcess } from '../support/bulwark-process.ts';
import { writeTempConfig } from '../support/config-file.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';
import { within } from '../support/within.ts';

let gateway: TestGateway | undefined;
let upstream: TestUpstream | undefined;

afterEach(async () => {
  await gateway?.stop();
  await upstream?.close();
  gateway = upstream = undefined;
});

/** Reads a body to its end or its failure: the bytes that arrived and whether it ended cleanly. */
async function readAll(body: AsyncIterable<Buffer>): Promise<{ bytes: Buffer; isComplete: boolean }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body) chunks.push(chunk);
    return { bytes: Buffer.concat(chunks), isComplete: true };
  } catch {
    return { bytes: Buffer.concat(chunks), isComplete: false };
  }
}

describe('streams through the gateway', () => {
  it('end with an `event: error` frame (GW_DRAINED) when a stop reaches drain_timeout', async () => {
    const streams: ServerResponse[] = [];
    upstream = await startTestUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"token":"Hel"}\n\n');
      streams.push(res);
    });
    const { file } = await writeTempConfig('bulwark-drain-sse-', () =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        'logging: { level: warn }',
        'gateway: { drain_timeout: 200ms }',
        `pools: { llm: { endpoints: [{ url: "${upstream!.url}" }] } }`,
        'routes: [{ pool: llm }]',
      ].join('\n'),
    );
    const bulwark = await startBulwarkProcess(file);
    try {
      const res = await request(`${bulwark.gatewayUrl}/v1/chat`);
      const reading = readAll(res.body);
      await eventually(() => streams.length === 1, 5_000, 'the stream to open');
      bulwark.child.kill('SIGTERM');
      const { bytes, isComplete } = await within(reading, 10_000, 'the stream to end');
      expect(isComplete).toBe(false);
      const events = bytes.toString('utf8').split('\n\n');
      expect(events[0]).toBe('data: {"token":"Hel"}');
      expect(events[1]).toMatch(/^event: error\ndata: /);
      const reason = JSON.parse(events[1]!.split('\ndata: ')[1]!) as { error: { code: string } };
      expect(reason.error.code).toBe('GW_DRAINED');
      expect(await within(bulwark.exited(), 10_000, 'the exit')).toBe(0);
    } finally {
      bulwark.child.kill('SIGKILL');
    }
  }, 30_000);

  it('are not cut by `total` when line-delimited (application/x-ndjson), only bounded by `idle`', async () => {
    upstream = await startTestUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(`{"response":"${sent}","done":false}\n`);
        if (++sent < 6) return;
        clearInterval(timer);
        res.end('{"done":true}\n');
      }, 100);
    });
    gateway = await startTestGateway({
      pools: { llm: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'llm', timeouts: { total: '250ms', idle: '2s' } }],
    });
    const res = await request(`${gateway.url}/api/generate`);
    const { bytes, isComplete } = await readAll(res.body);
    expect(isComplete).toBe(true);
    expect(bytes.toString('utf8').trim().split('\n')).toHaveLength(7);
  });

  it('are cut, with no plaintext frame added, when a gzip-encoded event stream breaks', async () => {
    const gzipped = gzipSync('data: {"token":"Hel"}\n\ndata: {"token":"lo"}\n\n');
    // The first part of a gzip stream: the client can decode it but never reaches its end.
    const sentPart = gzipped.subarray(0, gzipped.length - 8);
    upstream = await startTestUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      res.write(sentPart, () => setTimeout(() => res.socket?.destroy(), 20));
    });
    gateway = await startTestGateway({
      pools: { llm: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'llm' }],
    });
    const res = await request(gateway.url);
    expect(res.headers['content-encoding']).toBe('gzip');
    const { bytes, isComplete } = await readAll(res.body);
    expect(isComplete).toBe(false);
    expect(bytes.equals(sentPart)).toBe(true);
  });
});
