import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.ts';
import { channelNames, type EjectionEvent } from '../../src/core/events.ts';
import { createLogger, subscribeGatewayLogs } from '../../src/observability/index.ts';
import { DataPlane } from '../../src/runtime/data-plane.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { eventually } from '../support/gateway-harness.ts';
import { captureChannel, settle } from '../support/pool-fixtures.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * A graph a reload replaced keeps serving its requests in flight until they finish, but its outlier detection
 * is no longer the pool's: the new graph carries ejections on. The old one's return timers must not fire
 * later (a second "returned from ejection" line), nor may its last requests eject anything.
 */

const upstreams: TestUpstream[] = [];
/** Responses the test ends itself: the good upstream's event streams, the bad one's held failures. */
const held: ServerResponse[] = [];
const stops: (() => void)[] = [];
let plane: DataPlane | undefined;

afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  for (const res of held.splice(0)) res.destroy();
  await plane?.stop();
  plane = undefined;
  await Promise.all(upstreams.splice(0).map((upstream) => upstream.close()));
});

async function upstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const started = await startTestUpstream(handler);
  upstreams.push(started);
  return started.url;
}

/** good: /stream opens an event stream held open, the rest 200. bad: 500, or /held waits for the test. */
async function start(clock: FakeClock) {
  const good = await upstream((req, res) => {
    if (req.url !== '/stream') return void res.end('ok');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: 1\n\n');
    held.push(res);
  });
  const bad = await upstream((req, res) => {
    if (req.url === '/held') return void held.push(res);
    res.statusCode = 500;
    res.end('broken');
  });
  const config = configSchema.parse({
    listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' },
    gateway: { drain_timeout: '300s' },
    pools: {
      api: {
        balancer: 'round-robin',
        endpoints: [{ url: good }, { url: bad }],
        outlier_detection: { consecutive_failures: 1, base_ejection: '30s' },
      },
    },
    routes: [
      { pool: 'api', retry: { attempts: 1 }, timeouts: { first_byte: '0s', idle: '0s', total: '600s' } },
    ],
  });
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  stops.push(subscribeGatewayLogs(logger));
  const ejections = captureChannel<EjectionEvent>(channelNames.ejection);
  stops.push(ejections.stop);
  plane = new DataPlane(config, {
    activeHealthChecks: false,
    healthProbeFor: () => ({ probe: () => Promise.resolve(true), close: async () => {} }),
    logger,
    clock,
  });
  await plane.start();
  const url = plane.gatewayUrl;
  const started = plane;
  return {
    url,
    lines,
    ejections: ejections.events,
    badId: new URL(bad).host,
    reload: () => started.swapTo(config),
    /** Sends `path` until the bad endpoint has it (round robin alternates); other answers are awaited. */
    async sendToBad(path: string): Promise<{ readonly status: Promise<number> }> {
      for (;;) {
        const heldBefore = held.length;
        const sent = request(`${url}${path}`).then(async (res) => {
          await res.body.text();
          return res.statusCode;
        });
        if (path !== '/held') {
          if ((await sent) === 500) return { status: sent };
          continue;
        }
        const isAtBad = await Promise.race([
          sent.then(() => false),
          eventually(() => held.length > heldBefore, 5_000, 'the request held').then(() => true),
        ]);
        if (isAtBad) return { status: sent };
      }
    },
  };
}

const ejectionLines = (lines: Record<string, unknown>[]) => lines.filter((line) => line.event === 'ejection');

describe('a graph a reload replaced, still finishing a stream', () => {
  it('lets only the new graph return an endpoint from ejection: one event, one log line', async () => {
    const clock = new FakeClock();
    const gw = await start(clock);
    await gw.sendToBad('/');
    expect(gw.ejections.map((event) => event.isEjected)).toEqual([true]);
    // The only endpoint in rotation takes the stream, which keeps the old graph alive after the reload.
    const stream = await request(`${gw.url}/stream`);
    await gw.reload();
    expect(plane!.status()[0]?.endpoints.map((endpoint) => endpoint.inFlight)).toEqual([1, 0]);

    clock.advance(30_000);
    await settle();
    expect(gw.ejections.map((event) => [event.endpoint, event.isEjected, event.reason])).toEqual([
      [gw.badId, true, '1 consecutive upstream failures'],
      [gw.badId, false, 'ejection time elapsed'],
    ]);
    expect(ejectionLines(gw.lines).map((line) => line.msg)).toEqual([
      'endpoint ejected by outlier detection',
      'endpoint returned from ejection',
    ]);
    held[0]!.end();
    await stream.body.text();
  });

  it('ejects nothing, and times nothing, for a request of the old graph that fails after the reload', async () => {
    const clock = new FakeClock();
    const gw = await start(clock);
    const failing = await gw.sendToBad('/held');
    const stream = await request(`${gw.url}/stream`);
    await gw.reload();
    held
      .find((res) => res.req.url === '/held')!
      .writeHead(500)
      .end('broken');
    expect(await failing.status).toBe(500);

    clock.advance(30_000);
    await settle();
    // The live graph never saw the failure; the old graph's verdict would have been about no pool that serves.
    expect(gw.ejections).toEqual([]);
    expect(ejectionLines(gw.lines)).toEqual([]);
    expect(plane!.status()[0]?.endpoints.map((endpoint) => endpoint.isEjected)).toEqual([false, false]);
    held.find((res) => res.req.url === '/stream')!.end();
    await stream.body.text();
  });
});
