import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import {
  LocalRateLimitStore,
  type RateDecision,
  type RateLimitStore,
} from '../../src/gateway/overload/rate-limit-store.ts';
import { startHttpServer } from '../../src/gateway/server.ts';
import { httpHealthProbe } from '../../src/runtime/http-health-probe.ts';
import { GatewayMetrics } from '../../src/observability/metrics.ts';
import { createLogger, subscribeGatewayLogs } from '../../src/observability/index.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * A request that ends while it waits in a pool's queue for a concurrency slot gets its access-log line and
 * its count, as every other request does: 499 when its client left, GW_DRAINED when the drain cut it.
 */

let gateway: TestGateway | undefined;
let upstream: TestUpstream | undefined;
let metrics: GatewayMetrics | undefined;
const held: ServerResponse[] = [];
const stops: (() => void)[] = [];

afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  metrics?.close();
  metrics = undefined;
  for (const res of held.splice(0)) res.destroy();
  await gateway?.stop();
  gateway = undefined;
  await upstream?.close();
  upstream = undefined;
});

/** A rate-limit store that decides only when the test says so, as a cluster's primary answers over IPC. */
function heldStore(): RateLimitStore & { decideAll(): void } {
  const local = new LocalRateLimitStore();
  const pending: (() => void)[] = [];
  return {
    take: (requests, nowMs) =>
      new Promise<RateDecision>((resolve) => pending.push(() => resolve(local.take(requests, nowMs)))),
    decideAll: () => pending.splice(0).forEach((decide) => decide()),
  };
}

/** A gateway whose pool admits one request at a time, in front of an upstream that holds every request. */
async function startQueued(clock?: FakeClock): Promise<{ lines: Record<string, unknown>[]; url: string }> {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  stops.push(subscribeGatewayLogs(logger));
  metrics = new GatewayMetrics({ processMetrics: false });
  upstream = await startTestUpstream((_req, res) => void held.push(res));
  gateway = await startTestGateway(
    {
      pools: {
        api: { endpoints: [{ url: upstream.url }], concurrency: 1, queue: { max: 5, timeout: '30s' } },
      },
      routes: [{ pool: 'api', timeouts: { first_byte: '0s', total: '120s' } }],
    },
    clock ? { clock } : {},
  );
  return { lines, url: gateway.url };
}

const queuedCount = (): number | undefined => gateway?.gateway.status()[0]?.overload?.queued;
const requestLines = (lines: Record<string, unknown>[]) => lines.filter((line) => line.event === 'request');

describe('a request that ends while queued for a concurrency slot', () => {
  it('is logged and counted as 499 GW_CLIENT_CLOSED when its client leaves', async () => {
    const { lines, url } = await startQueued();
    const first = request(`${url}/first`).catch(() => 'cut');
    await eventually(() => held.length === 1, 5_000, 'the first request at the upstream');
    const leaving = new AbortController();
    const second = request(`${url}/queued?token=secret`, { signal: leaving.signal }).catch(() => 'aborted');
    await eventually(() => queuedCount() === 1, 5_000, 'the second request queued');
    leaving.abort();
    expect(await second).toBe('aborted');
    await eventually(() => requestLines(lines).length === 1, 5_000, 'a log line for the queued request');

    expect(requestLines(lines)[0]).toMatchObject({
      level: 'info',
      msg: 'client closed the request',
      path: '/queued',
      route: '0',
      // No endpoint was tried: like any answer before dispatch that is not an overload refusal.
      pool: '',
      status: 499,
      errorCode: 'GW_CLIENT_CLOSED',
    });
    const text = await metrics!.metricsText();
    expect(text).toMatch(/^bulwark_gateway_requests_total\{route="0",.*\} 1$/m);
    expect(text).toMatch(/^bulwark_gateway_errors_total\{code="GW_CLIENT_CLOSED".*\} 1$/m);
    held[0]!.end('done');
    await first;
  });

  it('is logged as GW_DRAINED, not as a client that left, when the drain deadline cuts it', async () => {
    const clock = new FakeClock();
    const { lines, url } = await startQueued(clock);
    const first = request(`${url}/first`).catch(() => 'cut');
    await eventually(() => held.length === 1, 5_000, 'the first request at the upstream');
    const second = request(`${url}/queued`).catch(() => 'cut');
    await eventually(() => queuedCount() === 1, 5_000, 'the second request queued');
    const draining = gateway!.gateway.drain(10_000);
    clock.advance(10_000);
    expect(await draining).toEqual({ cutOff: 2, webSocketsClosed: 0 });
    expect([await first, await second]).toEqual(['cut', 'cut']);
    await eventually(() => requestLines(lines).length === 2, 5_000, 'both requests logged');

    const outcomes = requestLines(lines).map((line) => [line.path, line.status, line.errorCode]);
    expect(outcomes.sort()).toEqual([
      ['/first', 0, 'GW_DRAINED'],
      ['/queued', 0, 'GW_DRAINED'],
    ]);
  });

  it('is logged and counted as 499 when its client leaves while the shared rate-limit store decides', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    stops.push(subscribeGatewayLogs(logger));
    upstream = await startTestUpstream((_req, res) => void held.push(res));
    const store = heldStore();
    const config = configSchema.parse({
      listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' },
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ pool: 'api', rate_limits: [{ key: 'ip', rate: '100/s' }] }],
    });
    const limited = new Gateway(config, {
      clock: systemClock,
      random: Math.random,
      healthProbeFor: httpHealthProbe,
      rateLimitStore: store,
    });
    const server = await startHttpServer({ host: '127.0.0.1', port: 0 }, limited.handle);
    stops.push(() => {
      server.server.closeAllConnections();
      void server.close().then(() => limited.stop());
    });
    const leaving = new AbortController();
    const left = request(`${server.url}/deciding`, { signal: leaving.signal }).catch(() => 'aborted');
    await eventually(() => limited.openRequests === 1, 5_000, 'the request waiting for its decision');
    leaving.abort();
    expect(await left).toBe('aborted');
    await eventually(() => limited.openRequests === 0, 5_000, 'the request closed');
    store.decideAll();
    await eventually(() => requestLines(lines).length === 1, 5_000, 'a log line for the request');

    expect(requestLines(lines).map((line) => [line.path, line.status, line.errorCode])).toEqual([
      ['/deciding', 499, 'GW_CLIENT_CLOSED'],
    ]);
    // Allowed after its client left: never forwarded, and logged once.
    expect(held).toHaveLength(0);
  });
});
