import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { startBulwarkProcess } from '../support/bulwark-process.ts';
import { writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';
import { within } from '../support/within.ts';
import { startWebSocketEcho, type WebSocketEcho } from '../support/ws-echo.ts';

const upstreams: (TestUpstream | WebSocketEcho)[] = [];
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
    const { file: configFile } = await writeTempConfig('bulwark-drain-', () =>
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

  it('closes open WebSockets once the other requests are done, well before drain_timeout', async () => {
    const held: ServerResponse[] = [];
    const [upstream, echo] = [
      await startTestUpstream((_req, res) => held.push(res)),
      await startWebSocketEcho(),
    ];
    upstreams.push(upstream, echo);
    const { file: configFile } = await writeTempConfig('bulwark-drain-ws-', () =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        'logging: { level: warn }',
        'gateway: { drain_timeout: 20s }',
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }] }, ws: { endpoints: [{ url: "${echo.url}" }] } }`,
        'routes: [{ match: { path_prefix: /ws }, pool: ws }, { pool: api }]',
      ].join('\n'),
    );
    const bulwark = await startBulwarkProcess(configFile);
    try {
      const socket = new WebSocket(`${bulwark.gatewayUrl.replace('http:', 'ws:')}/ws`);
      const echoed: unknown[] = [];
      socket.addEventListener('message', (event: MessageEvent) => echoed.push(event.data));
      await once(socket, 'open');
      const closed = once(socket, 'close');
      const pending = request(`${bulwark.gatewayUrl}/slow`).then((res) => res.body.text());
      await eventually(() => held.length === 1, 5_000, 'the request to reach the upstream');

      bulwark.child.kill('SIGTERM');
      await eventually(
        async () => (await request(`${bulwark.adminUrl}/readyz`)).statusCode === 503,
        5_000,
        'readyz 503',
      );
      // While a request is still draining, the WebSocket keeps working.
      socket.send('still here');
      await eventually(() => echoed.includes('still here'), 5_000, 'an echo during the drain');
      held[0]!.end('done');
      expect(await pending).toBe('done');
      await within(closed, 5_000, 'the WebSocket to close');
      expect(await within(bulwark.exited(), 5_000, 'the exit')).toBe(0);
    } finally {
      bulwark.child.kill('SIGKILL');
    }
  }, 30_000);
});
