import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../observability/index.ts';
import { GatewayMetrics } from '../../observability/metrics.ts';
import type { MonitorsApi } from './monitor-routes.ts';
import { startAdminServer, type RunningAdminServer } from './server.ts';

const logger = createLogger({ level: 'silent', destination: { write: () => undefined } });
const running: { close(): unknown }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.close();
});

const minuteStartMs = Date.UTC(2026, 10, 22, 10, 46);
const row = {
  startMs: minuteStartMs,
  requests: 10,
  errors: 1,
  p50Ms: 12.3456,
  p95Ms: 200.004,
  p99Ms: 809.9999999999999,
};

const report = {
  id: 'api-check',
  name: 'API check',
  kind: 'http',
  state: 'up',
  sinceMs: minuteStartMs,
  isFlapping: false,
  lastResult: { atMs: minuteStartMs, verdict: 'up', responseTimeMs: 3.141592, message: 'HTTP 200' },
  uptime: { '24h': 1 },
  latencyMs: { p50: 2.0000000000000004, p95: 9.87654, p99: null },
  pushPath: undefined,
};

/** The traffic the store holds: `api` and route 0 of the live config, and `old`, a pool a reload removed. */
const monitors: MonitorsApi = {
  reports: () => Promise.resolve([report]),
  report: () => Promise.resolve(undefined),
  history: () => Promise.resolve({ results: [], noData: [] }),
  pause: () => false,
  resume: () => false,
  monitorForToken: () => undefined,
  heartbeat: () => false,
  traffic: (scope, name) =>
    Promise.resolve((scope === 'pool' && name === 'old') || (scope === 'route' && name === '0') ? [row] : []),
  trafficNames: (scope) => (scope === 'pool' ? ['api', 'backup'] : ['0', '1']),
};

async function start(): Promise<RunningAdminServer> {
  const metrics = new GatewayMetrics({ processMetrics: false });
  running.push(metrics);
  const server = await startAdminServer({
    host: '127.0.0.1',
    port: 0,
    metrics,
    isReady: () => true,
    logger,
    monitors,
  });
  running.push(server);
  return server;
}

const get = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('GET /api/v1/traffic/{scope}/{name}', () => {
  it('answers 404 naming the pool for a pool the config does not have, listing the pools', async () => {
    const server = await start();
    expect(await get(`${server.url}/api/v1/traffic/pool/nope`)).toEqual({
      status: 404,
      body: { error: { code: 'ADMIN_NOT_FOUND', message: 'no pool "nope"; the pools are api, backup' } },
    });
  });

  it('answers 404 for a route position past the last route', async () => {
    const server = await start();
    expect(await get(`${server.url}/api/v1/traffic/route/7`)).toEqual({
      status: 404,
      body: {
        error: {
          code: 'ADMIN_NOT_FOUND',
          message:
            'no route "7"; the routes are 0, 1 (a route without a name goes by its position in the config)',
        },
      },
    });
  });

  it('answers a configured pool without traffic with no minutes, and a removed pool with what it recorded', async () => {
    const server = await start();
    expect(await get(`${server.url}/api/v1/traffic/pool/backup`)).toEqual({
      status: 200,
      body: { scope: 'pool', name: 'backup', minutes: [] },
    });
    expect((await get(`${server.url}/api/v1/traffic/pool/old`)).body.minutes).toHaveLength(1);
  });

  it('rounds latency percentiles to 0.01 ms', async () => {
    const server = await start();
    const { body } = await get(`${server.url}/api/v1/traffic/route/0`);
    expect(body.minutes).toEqual([
      { start: '2026-11-22T10:46:00.000Z', requests: 10, errors: 1, p50_ms: 12.35, p95_ms: 200, p99_ms: 810 },
    ]);
  });
});

describe('GET /api/v1/monitors', () => {
  it('rounds response times and latency percentiles to 0.01 ms', async () => {
    const server = await start();
    const { body } = await get(`${server.url}/api/v1/monitors`);
    const [listed] = body.monitors as { last_result: { response_time_ms: number }; latency_ms: object }[];
    expect(listed?.last_result.response_time_ms).toBe(3.14);
    expect(listed?.latency_ms).toEqual({ p50: 2, p95: 9.88, p99: null });
  });
});
