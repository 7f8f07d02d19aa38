import { request } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { eventually } from '../../test/support/gateway-harness.ts';
import { openSocket, readUntilClose, sendRaw } from '../../test/support/raw-http.ts';
import type { RefusedConnections } from '../core/listener-guard.ts';
import { sampleView } from './render/fixture.test-support.ts';
import { buildSite } from './site.ts';
import { startStatusServer, type RunningStatusServer, type StatusServerOptions } from './status-server.ts';

interface Answer {
  readonly status: number;
  readonly contentEncoding: string | undefined;
  readonly text: string;
}

describe('the status listener on a real socket', () => {
  // 45 incidents: three history pages.
  const site = buildSite(sampleView({ components: 3, incidents: 45 }));
  let server: RunningStatusServer;

  beforeAll(async () => {
    server = await startStatusServer({ host: '127.0.0.1', port: 0, site: () => site });
  });
  afterAll(async () => {
    await server.close();
  });

  const get = (path: string, headers: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request(`${server.url}${path}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentEncoding: res.headers['content-encoding'],
            text: Buffer.concat(chunks).toString('latin1'),
          }),
        );
      });
      req.on('error', reject);
      req.end();
    });

  it.each([
    ['gzip', 'gzip'],
    ['gzip; q=0', undefined],
    ['gzip;q=0', undefined],
    ['GZIP ; Q=0.0', undefined],
    ['*;q=0', undefined],
    ['identity, gzip;q=0.2', undefined],
    ['br, *;q=0.5', 'gzip'],
  ])('Accept-Encoding: %s → content-encoding %s', async (acceptEncoding, expected) => {
    const answer = await get('/', { 'accept-encoding': acceptEncoding });
    expect(answer.status).toBe(200);
    expect(answer.contentEncoding).toBe(expected);
  });

  const pageOf = (html: string): string | undefined => /Page (\d+) of 3/.exec(html)?.[1];

  it('serves /history/N, the form its pager links to, and /history/1 as /history', async () => {
    const first = await get('/history');
    expect(pageOf(first.text)).toBe('1');
    expect(first.text).toContain('<a rel="next" href="/history/2">');
    const second = await get('/history/2');
    expect(second.status).toBe(200);
    expect(pageOf(second.text)).toBe('2');
    expect(second.text).toContain('<a rel="prev" href="/history">');
    expect(second.text).toContain('<a rel="next" href="/history/3">');
    const one = await get('/history/1');
    expect(one.status).toBe(200);
    expect(one.text).toBe(first.text);
    expect((await get('/history/4')).status).toBe(404);
  });

  it('answers an unknown path under /api/v2 with a JSON 404, and any other with the HTML page', async () => {
    for (const path of ['/api/v2/nope.json', '/api/v2', '/api/v2/incidents/abc.json']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('STATUS_NOT_FOUND');
      expect(body.error.message).toContain('/api/v2/summary.json');
    }
    const page = await fetch(`${server.url}/nope`);
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('keeps old /history?page=N links working', async () => {
    expect(pageOf((await get('/history?page=2')).text)).toBe('2');
    expect(pageOf((await get('/history?page=1')).text)).toBe('1');
    expect(pageOf((await get('/history/?page=3')).text)).toBe('3');
  });
});

describe('the status listener against one client holding its sockets', () => {
  const site = buildSite(sampleView({ components: 1, incidents: 0 }));
  const opened: Socket[] = [];
  const started: RunningStatusServer[] = [];
  afterEach(async () => {
    for (const socket of opened.splice(0)) socket.destroy();
    for (const server of started.splice(0)) await server.close();
  });

  async function listen(options: Partial<StatusServerOptions>): Promise<number> {
    const server = await startStatusServer({ host: '127.0.0.1', port: 0, site: () => site, ...options });
    started.push(server);
    return Number(new URL(server.url).port);
  }
  const idle = async (port: number, from = '127.0.0.1'): Promise<Socket> => {
    const socket = await openSocket(port, from);
    opened.push(socket);
    return socket;
  };
  const get = 'GET / HTTP/1.1\r\nHost: status.test\r\nConnection: close\r\n\r\n';

  it('cuts a client that drips its headers at the header timeout, with 408', async () => {
    const port = await listen({ headerTimeoutMs: 200 });
    const socket = await idle(port);
    const reply = readUntilClose(socket, 3_000);
    socket.write('GET / HTTP/1.1\r\nHost: status.test\r\n');
    // A line every 50 ms: each is progress, and node's default (60 s, checked every 30 s) held such a client 72 s.
    const drip = setInterval(() => socket.writable && socket.write('X-Drip: 1\r\n'), 50);
    try {
      const startedMs = performance.now();
      expect((await reply).status).toBe(408);
      expect(performance.now() - startedMs).toBeLessThan(1_500);
    } finally {
      clearInterval(drip);
    }
  });

  it('refuses an address over max_connections_per_ip with a JSON 503 and serves other addresses', async () => {
    const port = await listen({ maxConnectionsPerIp: 3 });
    const held = [await idle(port), await idle(port), await idle(port)];
    const refused = await sendRaw(port, get);
    expect(refused.status).toBe(503);
    expect(refused.errorCode).toBe('STATUS_TOO_MANY_CONNECTIONS');
    expect(refused.text).toContain('max_connections_per_ip: 3');

    const other = await idle(port, '127.0.0.2');
    const otherReply = readUntilClose(other);
    other.write(get);
    expect((await otherReply).status).toBe(200);

    held[0]?.destroy();
    await eventually(async () => (await sendRaw(port, get)).status === 200, 5_000, 'a freed slot');
  });

  it('closes connections over max_connections and reports refusals at once, then once per 10 s', async () => {
    const clock = new FakeClock();
    const reports: RefusedConnections[] = [];
    const port = await listen({
      maxConnections: 2,
      maxConnectionsPerIp: 0,
      clock,
      onRefused: (refused) => reports.push(refused),
    });
    await idle(port, '127.0.0.2');
    await idle(port, '127.0.0.3');
    const dropped = await sendRaw(port, get);
    expect(dropped.status).toBe(0);
    expect(reports).toEqual([{ overPerIp: 0, overTotal: 1, periodMs: 0 }]);

    for (let i = 0; i < 3; i++) expect((await sendRaw(port, get)).status).toBe(0);
    expect(reports).toHaveLength(1);
    clock.advance(10_000);
    expect(reports).toEqual([
      { overPerIp: 0, overTotal: 1, periodMs: 0 },
      { overPerIp: 0, overTotal: 3, periodMs: 10_000 },
    ]);
  });

  it('tells onError of refusals when no onRefused is given, so a flood is never silent', async () => {
    const errors: unknown[] = [];
    const port = await listen({ maxConnectionsPerIp: 1, onError: (error) => errors.push(error) });
    await idle(port);
    expect((await sendRaw(port, get)).status).toBe(503);
    expect(errors.map(String)).toEqual([
      'ConnectionsRefused: the status listener refused connections: 1 over max_connections_per_ip (1)',
    ]);
  });
});
