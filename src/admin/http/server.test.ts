import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../observability/index.ts';
import { GatewayMetrics } from '../../observability/metrics.ts';
import type { MetricsSource } from './metrics-route.ts';
import { startAdminServer, type RunningAdminServer } from './server.ts';

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
