import { mkdtemp, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { startBulwarkProcess } from '../support/bulwark-process.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

const upstreams: TestUpstream[] = [];
afterAll(async () => Promise.all(upstreams.map((u) => u.close())));

const requestCount = 200;
const streamCount = 20;
const eventsPerStream = 10;

describe('SIGTERM drains before exiting', () => {
  it('finishes 200 in-flight requests and 20 open streams, refuses new connections, exits 0', async () => {
    const held: ServerResponse[] = [];
    const openStreams: ServerResponse[] = [];
    const upstream = await startTestUpstream((req, res) => {
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
        openStreams.push(res);
      } else held.push(res);
    });
    upstreams.push(upstream);
    const dir = await mkdtemp(join(tmpdir(), 'bulwark-drain-'));
    const configFile = join(dir, 'bulwark.yaml');
    await writeFile(
      configFile,
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        'logging: { level: warn }',
        'gateway: { drain_timeout: 20s }',
        `pools: { api: { max_connections_per_endpoint: 256, endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes: [{ pool: api }]',
      ].join('\n'),
    );
    const bulwark = await startBulwarkProcess(configFile);
    const client = new Agent({ connections: requestCount + streamCount });
    const responses = Array.from({ length: requestCount }, (_, i) =>
      request(`${bulwark.gatewayUrl}/r/${i}`, { dispatcher: client }).then(async (res) => ({
        status: res.statusCode,
        connection: res.headers.connection,
        body: await res.body.text(),
      })),
    );
    const streams = Array.from({ length: streamCount }, () =>
      request(`${bulwark.gatewayUrl}/stream`, { dispatcher: client }).then((res) => res.body.text()),
    );
    await eventually(
      () => held.length === requestCount && openStreams.length === streamCount,
      10_000,
      'all in flight',
    );

    bulwark.child.kill('SIGTERM');
    await eventually(
      async () => (await request(`${bulwark.adminUrl}/readyz`)).statusCode === 503,
      5_000,
      'readyz 503',
    );
    await expect(request(`${bulwark.gatewayUrl}/late`, { dispatcher: new Agent() })).rejects.toThrow();

    // Only now do the upstreams answer: the drain must have kept every request and stream open.
    for (const res of held) res.end('done');
    for (let i = 0; i < eventsPerStream; i++) for (const res of openStreams) res.write(`data: ${i}\n\n`);
    for (const res of openStreams) res.end('data: [DONE]\n\n');

    const finished = await Promise.all(responses);
    expect(finished.filter((r) => r.status !== 200 || r.body !== 'done')).toEqual([]);
    // Keep-alive ends with the drain: clients learn to reconnect elsewhere.
    expect(new Set(finished.map((r) => r.connection))).toEqual(new Set(['close']));
    for (const body of await Promise.all(streams)) {
      expect(body.split('\n\n').filter(Boolean)).toHaveLength(eventsPerStream + 1);
      expect(body).toMatch(/data: \[DONE\]\n\n$/);
    }
    expect(await bulwark.exited()).toBe(0);
    await client.close();
  }, 60_000);
});
