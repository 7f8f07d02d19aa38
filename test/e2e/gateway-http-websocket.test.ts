import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema, type ConfigInput } from '../../src/config/index.ts';
import { systemClock, type Clock } from '../../src/core/clock.ts';
import { channelNames, type AttemptEvent, type RetryEvent } from '../../src/core/events.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { startHttpServer, type RunningServer } from '../../src/gateway/server.ts';
import { proxyWebSockets } from '../../src/gateway/websocket.ts';
import { httpHealthProbe } from '../../src/runtime/http-health-probe.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { eventually } from '../support/gateway-harness.ts';
import { captureChannel } from '../support/pool-fixtures.ts';
import { sendRaw } from '../support/raw-http.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/** WebSocket handshakes answered without switching: the client hears what a plain request would. */

let running: { gateway: Gateway; listener: RunningServer } | undefined;
const upstreams: TestUpstream[] = [];

afterEach(async () => {
  running?.listener.server.closeAllConnections();
  await running?.listener.close();
  await running?.gateway.stop();
  running = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

/** The gateway with upgrades wired as app.ts wires them. */
async function startUpgradingGateway(
  config: Omit<ConfigInput, 'listen'>,
  clock: Clock = systemClock,
): Promise<{ port: number; gateway: Gateway }> {
  const parsed = configSchema.parse({ ...config, listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' } });
  const gateway = new Gateway(parsed, { clock, random: Math.random, healthProbeFor: httpHealthProbe });
  gateway.start();
  const listener = await startHttpServer({ host: '127.0.0.1', port: 0 }, gateway.handle);
  proxyWebSockets(listener.server, gateway.handleUpgrade, parsed.limits.maxHeaders);
  running = { gateway, listener };
  return { port: Number(new URL(listener.url).port), gateway };
}

async function upstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const started = await startTestUpstream(handler);
  upstreams.push(started);
  return started.url;
}

/** An address nothing listens on: bind, note the port, close. */
async function deadUrl(): Promise<string> {
  const started = await startTestUpstream(() => undefined);
  await started.close();
  return started.url;
}

const handshake =
  'GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

describe('a WebSocket handshake whose retry finds no endpoint', () => {
  it('gets the upstream 503 with its Retry-After and body when its endpoint is drained during the backoff', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const main = await upstream((req, res) => {
      calls += 1;
      req.resume();
      res.writeHead(503, { 'retry-after': '30', 'x-upstream': 'main' });
      res.end('busy');
    });
    const { port, gateway: started } = await startUpgradingGateway(
      {
        pools: { main: { endpoints: [{ url: main }] } },
        routes: [{ pool: 'main', retry: { attempts: 3, on: [503] } }],
      },
      clock,
    );
    const attempts = captureChannel<AttemptEvent>(channelNames.attempt);
    try {
      const reply = sendRaw(port, handshake);
      await eventually(() => attempts.events.length === 1, 5_000, 'the 503 to be taken for a retry');
      expect(started.setEndpointState('main', new URL(main).host, 'draining')).toBe(true);
      clock.advance(1_000);
      const answer = await reply;
      expect(answer.status, answer.text).toBe(503);
      expect(answer.text).toMatch(/\r\nretry-after: 30\r\n/i);
      expect(answer.text).toMatch(/\r\nx-upstream: main\r\n/i);
      expect(answer.text.endsWith('busy')).toBe(true);
      expect(calls).toBe(1);
    } finally {
      attempts.stop();
    }
  });
});

describe('a WebSocket handshake retry', () => {
  it('is counted as a request’s: retried when it goes out, no-endpoint when none can take it', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const main = await upstream((req, res) => {
      calls += 1;
      req.resume();
      // Each handshake's first answer is retried on; the retry that goes out gets a plain refusal.
      res.writeHead(calls === 2 ? 404 : 503);
      res.end();
    });
    const { port, gateway: started } = await startUpgradingGateway(
      {
        pools: { main: { endpoints: [{ url: main }] } },
        routes: [{ pool: 'main', retry: { attempts: 3, on: [503] } }],
      },
      clock,
    );
    const attempts = captureChannel<AttemptEvent>(channelNames.attempt);
    const retries = captureChannel<RetryEvent>(channelNames.retry);
    try {
      const sent = sendRaw(port, handshake);
      await eventually(() => attempts.events.length === 1, 5_000, 'the first 503');
      clock.advance(1_000);
      expect((await sent).status).toBe(404);
      const unsent = sendRaw(port, handshake);
      await eventually(() => attempts.events.length === 3, 5_000, 'the second 503');
      started.setEndpointState('main', new URL(main).host, 'draining');
      clock.advance(1_000);
      expect((await unsent).status).toBe(503);
      expect(retries.events.map((event) => event.decision)).toEqual(['retried', 'no-endpoint']);
    } finally {
      attempts.stop();
      retries.stop();
    }
  });
});

describe('a WebSocket handshake that fails', () => {
  it.each(['refused', 'answered by nothing'] as const)(
    'tells the client which pool failed, not the upstream address or library error (%s)',
    async (kind) => {
      const url = kind === 'refused' ? await deadUrl() : await upstream(() => undefined);
      const { port } = await startUpgradingGateway({
        pools: { ws: { endpoints: [{ url }] } },
        routes: [{ pool: 'ws', timeouts: { first_byte: '100ms' } }],
      });
      const reply = await sendRaw(port, handshake);
      expect(reply.status, reply.text).toBe(kind === 'refused' ? 502 : 504);
      expect(reply.text).toContain('pool \\"ws\\"');
      expect(reply.text).not.toContain(new URL(url).port);
      expect(reply.text).not.toContain('ECONNREFUSED');
    },
  );
});

describe('a WebSocket handshake in an HTTP/1 request line that claims HTTP/2.0', () => {
  it('is answered 505 and never forwarded; the listener serves on', async () => {
    let calls = 0;
    const url = await upstream((_req, res) => {
      calls += 1;
      res.end('ok');
    });
    const { port } = await startUpgradingGateway({
      pools: { ws: { endpoints: [{ url }] } },
      routes: [{ pool: 'ws' }],
    });
    const reply = await sendRaw(port, handshake.replace('HTTP/1.1', 'HTTP/2.0'));
    expect(reply.status, reply.text).toBe(505);
    expect(calls).toBe(0);
    const next = await sendRaw(port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(next.status).toBe(200);
  });
});
