import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { eventually } from '../../test/support/gateway-harness.ts';
import { advanceSettled, captureChannel } from '../../test/support/pool-fixtures.ts';
import { openSocket, readUntilClose } from '../../test/support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../../test/support/test-upstream.ts';
import { configSchema } from '../config/index.ts';
import { channelNames, type RequestEvent } from '../core/events.ts';
import type { Endpoint } from '../gateway/endpoint.ts';
import type { HealthProbeFactory } from '../gateway/health/health-probe.ts';
import { createLogger, subscribeGatewayLogs } from '../observability/index.ts';
import { DataPlane } from './data-plane.ts';

let upstream: TestUpstream;
/** Upstream answers the test ends itself: /stream starts an event stream, anything else is never answered. */
const held: ServerResponse[] = [];
let plane: DataPlane | undefined;
let lines: Record<string, unknown>[];
let stopLogs: () => void;

beforeEach(async () => {
  upstream = await startTestUpstream((req, res) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    }
    held.push(res);
  });
  lines = [];
});

afterEach(async () => {
  stopLogs();
  for (const res of held.splice(0)) res.destroy();
  await plane?.stop();
  plane = undefined;
  await upstream.close();
});

const configOf = (drainTimeout: string) =>
  configSchema.parse({
    listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' },
    gateway: { drain_timeout: drainTimeout },
    pools: { api: { health_check: { interval: '1s' }, endpoints: [{ url: upstream.url }] } },
    // Retries buffer a body to replay it: /upload's is read before anything is forwarded.
    routes: [
      { match: { path_prefix: '/upload' }, pool: 'api' },
      { pool: 'api', retry: { attempts: 1 } },
    ],
  });

async function startPlane(
  drainTimeout: string,
  options: { clock?: FakeClock; healthProbeFor?: HealthProbeFactory } = {},
): Promise<DataPlane> {
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  stopLogs = subscribeGatewayLogs(logger);
  const passing: HealthProbeFactory = () => ({ probe: () => Promise.resolve(true), close: async () => {} });
  plane = new DataPlane(configOf(drainTimeout), {
    activeHealthChecks: true,
    healthProbeFor: options.healthProbeFor ?? passing,
    logger,
    clock: options.clock,
  });
  await plane.start();
  return plane;
}

/** Opens an event stream through the gateway; resolves once its answer has begun, with its whole body to come. */
async function openStream(url: string): Promise<{ readonly body: Promise<string> }> {
  const res = await request(`${url}/stream`);
  return { body: res.body.text().catch((error: unknown) => `cut: ${String(error)}`) };
}

describe('a graph a reload replaced', () => {
  it('stops its active health checks at once, though a stream keeps it alive', async () => {
    const clock = new FakeClock();
    const probed: Endpoint[] = [];
    const healthProbeFor: HealthProbeFactory = () => ({
      probe: (endpoint) => {
        probed.push(endpoint);
        return Promise.resolve(true);
      },
      close: async () => {},
    });
    const started = await startPlane('30s', { clock, healthProbeFor });
    await openStream(started.gatewayUrl);
    await advanceSettled(clock, 3_000, 100);
    const [before] = new Set(probed);

    await started.swapTo(configOf('30s'));
    probed.length = 0;
    await advanceSettled(clock, 10_000, 100);
    // Only the new graph's endpoint: before the fix, the old one was probed as often alongside it.
    expect(new Set(probed).size).toBe(1);
    expect(probed).not.toContain(before);
    expect(probed.length).toBeGreaterThanOrEqual(9);
  });

  it('counts what it still has in flight in the endpoint’s inFlight, until that finishes', async () => {
    const started = await startPlane('30s');
    const { body } = await openStream(started.gatewayUrl);
    await started.swapTo(configOf('30s'));

    expect(started.gateway.status()[0]?.endpoints[0]?.inFlight).toBe(0);
    expect(started.status()[0]?.endpoints[0]?.inFlight).toBe(1);
    held[0]!.end();
    await body;
    await eventually(() => started.status()[0]?.endpoints[0]?.inFlight === 0, 5_000, 'inFlight 0');
  });

  it('logs and counts a stream cut at drain_timeout as Bulwark’s doing, and sums the cut in one line', async () => {
    const started = await startPlane('30s');
    const requests = captureChannel<RequestEvent>(channelNames.request);
    try {
      const { body } = await openStream(started.gatewayUrl);
      await started.swapTo(configOf('50ms'));
      expect(await body).toMatch(/^cut: /);
      await eventually(() => lines.some((line) => line.event === 'drain-cut'), 5_000, 'the summary');

      // Not a client that left (499 GW_CLIENT_CLOSED, at info): the answer begun, cut by the gateway.
      expect(requests.events.map((event) => [event.status, event.errorCode])).toEqual([[200, 'GW_DRAINED']]);
      const cut = lines.find((line) => line.event === 'request');
      expect([cut?.level, cut?.msg]).toEqual(['warn', 'request cut off: drain_timeout passed']);
      expect(lines.find((line) => line.event === 'drain-cut')).toMatchObject({
        level: 'warn',
        cutOff: 1,
        webSocketsClosed: 0,
        drainTimeoutMs: 50,
        msg: 'drain_timeout (50 ms) passed: cut off 1 request still open on the replaced config',
      });
    } finally {
      requests.stop();
    }
  });
});

describe('the stop', () => {
  it('logs requests cut at drain_timeout as GW_DRAINED, under the status begun or 0, and sums them', async () => {
    // A stream answered, a request not answered yet, and one whose body is still arriving.
    const started = await startPlane('50ms');
    const requests = captureChannel<RequestEvent>(channelNames.request);
    try {
      const stream = (await openStream(started.gatewayUrl)).body;
      const unanswered = request(`${started.gatewayUrl}/slow`).catch((error: unknown) => error);
      await eventually(() => held.length === 2, 5_000, 'both requests at the upstream');
      const uploading = await openSocket(Number(new URL(started.gatewayUrl).port));
      const upload = readUntilClose(uploading);
      uploading.write('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhalf.');
      await eventually(() => started.gateway.openRequests === 3, 5_000, 'the upload under way');
      await started.stop();
      plane = undefined;
      await Promise.all([stream, unanswered, upload]);

      const outcomes = requests.events.map((event) => [event.path, event.status, event.errorCode]);
      expect(outcomes.sort()).toEqual([
        ['/slow', 0, 'GW_DRAINED'],
        ['/stream', 200, 'GW_DRAINED'],
        ['/upload', 0, 'GW_DRAINED'],
      ]);
      expect(lines.find((line) => line.event === 'drain-cut')).toMatchObject({
        cutOff: 3,
        msg: 'drain_timeout (50 ms) passed: cut off 3 requests still open at the stop',
      });
    } finally {
      requests.stop();
    }
  });
});
