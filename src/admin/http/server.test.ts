import { request } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openSocket, readUntilClose, sendRaw } from '../../../test/support/raw-http.ts';
import { createLogger } from '../../observability/index.ts';
import { GatewayMetrics } from '../../observability/metrics.ts';
import type { MetricsSource } from './metrics-route.ts';
import { startAdminServer, type AdminServerOptions, type RunningAdminServer } from './server.ts';

const logger = createLogger({ level: 'silent', destination: { write: () => undefined } });
const running: { close(): unknown }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.close();
});

async function start(
  overrides: { isReady?: () => boolean; metrics?: MetricsSource } = {},
): Promise<RunningAdminServer> {
  const metrics = overrides.metrics ?? new GatewayMetrics({ processMetrics: false });
  if (metrics instanceof GatewayMetrics) running.push(metrics);
  const server = await startAdminServer({
    host: '127.0.0.1',
    port: 0,
    metrics,
    isReady: overrides.isReady ?? (() => true),
    logger,
  });
  running.push(server);
  return server;
}

describe('startAdminServer', () => {
  it('serves Prometheus text at /metrics', async () => {
    const server = await start();
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await response.text()).toContain('# TYPE bulwark_gateway_requests_total counter');
  });

  it('answers liveness, and readiness as isReady() says at each call', async () => {
    let isReady = false;
    const server = await start({ isReady: () => isReady });

    const live = await fetch(`${server.url}/healthz`);
    expect([live.status, await live.json()]).toEqual([200, { status: 'ok' }]);
    const notReady = await fetch(`${server.url}/readyz`);
    expect([notReady.status, await notReady.json()]).toEqual([503, { status: 'not ready' }]);
    expect(notReady.headers.get('cache-control')).toBe('no-store');

    isReady = true;
    const ready = await fetch(`${server.url}/readyz?verbose=1`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
  });

  it('answers unknown paths with 404 and other methods with 405, both as JSON errors', async () => {
    const server = await start();

    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await missing.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('ADMIN_NOT_FOUND');
    expect(body.error.message).toContain('/nope');

    const wrongMethod = await fetch(`${server.url}/metrics`, { method: 'POST', body: 'x' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');
    expect(await wrongMethod.json()).toMatchObject({ error: { code: 'ADMIN_METHOD_NOT_ALLOWED' } });

    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it('turns a failing handler into a 500 JSON error and keeps serving', async () => {
    const metrics: MetricsSource = {
      contentType: 'text/plain',
      metricsText: () => Promise.reject(new Error('boom')),
    };
    const server = await start({ metrics });
    const failed = await fetch(`${server.url}/metrics`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ error: { code: 'ADMIN_INTERNAL' } });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('closes promptly even while a request is in flight', async () => {
    let markArrived = (): void => undefined;
    const arrived = new Promise<void>((resolve) => (markArrived = resolve));
    const stuck: MetricsSource = {
      contentType: 'text/plain',
      metricsText: () => {
        markArrived();
        return new Promise<string>(() => undefined);
      },
    };
    const server = await start({ metrics: stuck });
    const hanging = fetch(`${server.url}/metrics`);
    await arrived;
    const startedMs = performance.now();
    await server.close();
    await server.close();
    expect(performance.now() - startedMs).toBeLessThan(1_000);
    await expect(hanging).rejects.toThrow();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('serves the config status when given, and no pool API without endpoint control', async () => {
    const server = await startAdminServer({
      host: '127.0.0.1',
      port: 0,
      metrics: { contentType: '', metricsText: () => Promise.resolve('') },
      isReady: () => true,
      logger,
      configStatus: () => ({ generation: 3 }),
    });
    running.push(server);
    const status = await fetch(`${server.url}/api/v1/config/status`);
    expect([status.status, await status.json()]).toEqual([200, { generation: 3 }]);
    expect((await fetch(`${server.url}/api/v1/pools`)).status).toBe(404);
  });

  it('reports a port already in use instead of hanging', async () => {
    const first = await start();
    const port = Number(new URL(first.url).port);
    await expect(
      startAdminServer({
        host: '127.0.0.1',
        port,
        metrics: { contentType: '', metricsText: () => Promise.resolve('') },
        isReady: () => true,
        logger,
      }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('the admin listener against DNS rebinding and held sockets', () => {
  const opened: Socket[] = [];
  afterEach(() => {
    for (const socket of opened.splice(0)) socket.destroy();
  });

  async function listen(options: Partial<AdminServerOptions> = {}): Promise<RunningAdminServer> {
    const server = await startAdminServer({
      host: '127.0.0.1',
      port: 0,
      metrics: { contentType: 'text/plain', metricsText: () => Promise.resolve('') },
      isReady: () => true,
      logger,
      configStatus: () => ({ generation: 1 }),
      ...options,
    });
    running.push(server);
    return server;
  }

  /** node's client, as fetch will not send a Host of the caller's choosing. */
  const statusWithHost = (url: string, host: string): Promise<[number, unknown]> =>
    new Promise((resolve, reject) => {
      const req = request(url, { headers: { host } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve([res.statusCode ?? 0, JSON.parse(text) as unknown]));
      });
      req.on('error', reject);
      req.end();
    });

  it('answers 421 to a Host name it does not know, as a page rebound to it would send', async () => {
    const { url } = await listen();
    const [status, body] = await statusWithHost(`${url}/api/v1/config/status`, 'attacker.example:8082');
    expect(status).toBe(421);
    expect(body).toMatchObject({ error: { code: 'ADMIN_MISDIRECTED' } });
    expect((body as { error: { message: string } }).error.message).toContain('allowed_hosts');
    // Probes say nothing a page could use, and a balancer may probe by any name.
    expect((await statusWithHost(`${url}/healthz`, 'attacker.example'))[0]).toBe(200);
    // A heartbeat's URL is its secret; a sender may know the listener by any name (no monitors here: 404).
    expect((await statusWithHost(`${url}/api/v1/heartbeat/abc`, 'cron.example'))[0]).toBe(404);
  });

  it.each([
    ['the bound address', '127.0.0.1:PORT'],
    ['localhost on another port (an SSH tunnel)', 'localhost:9999'],
    ['IPv6 loopback', '[::1]:PORT'],
    ['any IP literal (a listener on 0.0.0.0 reached by one of its addresses)', '10.1.2.3:PORT'],
    ['a name in allowed_hosts, in any case', 'Bulwark.Internal:PORT'],
  ])('serves a request whose Host is %s', async (_what, host) => {
    const { url } = await listen({ allowedHosts: ['bulwark.internal'] });
    const [status] = await statusWithHost(
      `${url}/api/v1/config/status`,
      host.replace('PORT', new URL(url).port),
    );
    expect(status).toBe(200);
  });

  it('cuts a client that drips its headers at the header timeout', async () => {
    const { url } = await listen({ headerTimeoutMs: 200 });
    const socket = await openSocket(Number(new URL(url).port));
    opened.push(socket);
    const reply = readUntilClose(socket, 3_000);
    socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => socket.writable && socket.write('X-Drip: 1\r\n'), 50);
    try {
      expect((await reply).status).toBe(408);
    } finally {
      clearInterval(drip);
    }
  });

  it('refuses an address over max_connections_per_ip with a JSON 503, and logs it as a warning', async () => {
    const lines: string[] = [];
    const capturing = createLogger({
      level: 'info',
      destination: { write: (line: string) => lines.push(line) },
    });
    const { url } = await listen({ maxConnectionsPerIp: 2, logger: capturing });
    const port = Number(new URL(url).port);
    for (let i = 0; i < 2; i++) opened.push(await openSocket(port));
    const refused = await sendRaw(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect([refused.status, refused.errorCode]).toEqual([503, 'ADMIN_TOO_MANY_CONNECTIONS']);
    const warnings = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((r) => r.level === 'warn');
    expect(warnings).toMatchObject([{ event: 'connections-refused', overPerIp: 1, overTotal: 0 }]);
  });
});
