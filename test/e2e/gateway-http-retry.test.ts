import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { channelNames, type AttemptEvent, type RetryEvent } from '../../src/core/events.ts';
import { GatewayMetrics } from '../../src/observability/metrics.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { captureChannel } from '../support/pool-fixtures.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * A retriable answer (a status listed in `retry.on`) whose retry cannot go out after all reaches the client
 * as the upstream sent it, as Envoy forwards the last response it cannot retry: never a 502 in its place.
 */

let gateway: TestGateway | undefined;
const upstreams: TestUpstream[] = [];

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

async function upstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const started = await startTestUpstream(handler);
  upstreams.push(started);
  return started.url;
}

/** Larger than the socket buffers on both sides: the held answer must stream, not fit in one read. */
const busyBody = Buffer.alloc(512 * 1024, 'busy ');
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function answerBusy(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.writeHead(503, 'Busy Now', {
    'retry-after': '30',
    'x-upstream': 'main',
    'content-length': busyBody.length,
  });
  res.end(req.method === 'HEAD' ? undefined : busyBody);
}

describe('a retry that finds no endpoint', () => {
  it.each(['GET', 'HEAD'] as const)(
    '%s: the client gets the upstream 503 with its Retry-After and body, not a 502',
    async (method) => {
      let calls = 0;
      const main = await upstream((req, res) => {
        calls += 1;
        answerBusy(req, res);
      });
      const spare = await upstream((_req, res) => res.end('spare'));
      // The 503's Retry-After cools main's only endpoint (a failover pool exists), and the failover pool's
      // only endpoint is draining: the retry has nowhere to go.
      gateway = await startTestGateway({
        pools: {
          main: { endpoints: [{ url: main }], failover: 'backup' },
          backup: { endpoints: [{ url: spare, drain: true }] },
        },
        routes: [{ pool: 'main', retry: { attempts: 3, on: [503] } }],
      });
      const res = await request(gateway.url, { method });
      const body = Buffer.from(await res.body.arrayBuffer());
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('30');
      expect(res.headers['x-upstream']).toBe('main');
      expect(res.headers['content-length']).toBe(String(busyBody.length));
      expect(sha256(body)).toBe(sha256(method === 'HEAD' ? Buffer.alloc(0) : busyBody));
      expect(calls).toBe(1);
    },
  );

  it('with every endpoint at endpoint_max_in_flight when the backoff ends: the upstream 503', async () => {
    const clock = new FakeClock();
    const held: ServerResponse[] = [];
    const only = await upstream((req, res) => {
      if (req.headers['x-name'] === 'slow') return void held.push(res);
      answerBusy(req, res);
    });
    gateway = await startTestGateway(
      {
        pools: { api: { endpoints: [{ url: only }], endpoint_max_in_flight: 1 } },
        routes: [{ pool: 'api', retry: { attempts: 2, on: [503] } }],
      },
      { clock },
    );
    const attempts = captureChannel<AttemptEvent>(channelNames.attempt);
    try {
      const first = request(gateway.url, { headers: { 'x-name': 'first' } });
      // The held 503's attempt is counted as it is held, before the backoff.
      await eventually(() => attempts.events.length === 1, 5_000, 'the 503 to be held for a retry');
      // During the backoff another request takes the endpoint's one place.
      const slow = request(gateway.url, { headers: { 'x-name': 'slow' } });
      await eventually(() => held.length === 1, 5_000, 'the slow request at the upstream');
      clock.advance(1_000);
      const res = await first;
      const body = Buffer.from(await res.body.arrayBuffer());
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('30');
      expect(sha256(body)).toBe(sha256(busyBody));
      held[0]!.end('slow done');
      expect(await (await slow).body.text()).toBe('slow done');
    } finally {
      attempts.stop();
    }
  });
});

describe('a retry into a Retry-After', () => {
  it.each(['GET', 'POST'] as const)(
    '%s: the only endpoint answering 429 Retry-After: 30 sees one request, and the client gets its 429',
    async (method) => {
      let calls = 0;
      const only = await upstream((req, res) => {
        calls += 1;
        req.resume();
        res.writeHead(429, { 'retry-after': '30' });
        res.end('slow down');
      });
      // The last endpoint in rotation keeps serving new requests, so the 429 cools nothing.
      gateway = await startTestGateway({
        pools: { llm: { endpoints: [{ url: only }] } },
        routes: [{ pool: 'llm', retry: { attempts: 3, on: [429], retry_non_idempotent: true } }],
      });
      const retries = captureChannel<RetryEvent>(channelNames.retry);
      try {
        const res = await request(gateway.url, { method, body: method === 'POST' ? '{}' : null });
        expect(res.statusCode).toBe(429);
        expect(res.headers['retry-after']).toBe('30');
        expect(await res.body.text()).toBe('slow down');
        expect(calls).toBe(1);
        expect(retries.events.map((event) => event.decision)).toEqual(['no-endpoint']);
      } finally {
        retries.stop();
      }
    },
  );
});

describe('a retry counts, and spends budget, only when it goes out', () => {
  let metrics: GatewayMetrics | undefined;
  afterEach(() => {
    metrics?.close();
    metrics = undefined;
  });

  /** The route's budget holds one retry; `x-answer: cool` is a 503 that cools the only endpoint for 1 s. */
  async function startOneRetryRoute(clock: FakeClock): Promise<TestGateway> {
    const answered = new Map<string, number>();
    const main = await upstream((req, res) => {
      req.resume();
      const name = String(req.headers['x-name']);
      const count = (answered.get(name) ?? 0) + 1;
      answered.set(name, count);
      if (count > 1) return void res.end('retried');
      res.writeHead(503, req.headers['x-answer'] === 'cool' ? { 'retry-after': '1' } : {});
      res.end('busy');
    });
    const spare = await upstream((_req, res) => res.end('spare'));
    const budget = { ratio: '0%', min_per_second: 0.1, ttl: '10s' };
    return startTestGateway(
      {
        pools: {
          main: { endpoints: [{ url: main }], failover: 'backup' },
          backup: { endpoints: [{ url: spare, drain: true }] },
        },
        routes: [{ pool: 'main', retry: { attempts: 2, on: [503], budget } }],
      },
      { clock },
    );
  }

  /** Sends a request and, once its 503 is held for a retry, ends the backoff on the fake clock. */
  async function sendThroughBackoff(url: string, clock: FakeClock, headers: Record<string, string>) {
    const attempts = captureChannel<AttemptEvent>(channelNames.attempt);
    try {
      const response = request(url, { headers });
      await eventually(() => attempts.events.length === 1, 5_000, 'the 503 to be held for a retry');
      clock.advance(100);
      const res = await response;
      return { status: res.statusCode, body: await res.body.text() };
    } finally {
      attempts.stop();
    }
  }

  function retriesCounted(text: string, decision: string): number | undefined {
    const line = new RegExp(
      `^bulwark_gateway_retries_total\\{route="0",pool="main",decision="${decision}",cause="503"\\} (\\d+)$`,
      'm',
    );
    const match = line.exec(text);
    return match ? Number(match[1]) : undefined;
  }

  it('counts a retry that no endpoint could take as no-endpoint in /metrics, never as retried', async () => {
    const clock = new FakeClock();
    metrics = new GatewayMetrics({ processMetrics: false });
    gateway = await startOneRetryRoute(clock);
    // The 503 cools main's only endpoint and the failover pool's one is draining: the retry cannot go out.
    const answer = await sendThroughBackoff(gateway.url, clock, { 'x-name': 'first', 'x-answer': 'cool' });
    expect(answer).toEqual({ status: 503, body: 'busy' });
    const text = await metrics.metricsText();
    expect(retriesCounted(text, 'no-endpoint')).toBe(1);
    expect(retriesCounted(text, 'retried')).toBeUndefined();
  });

  it.each([
    ['no endpoint could take it', 'cool'],
    ['its client left during the backoff', 'leave'],
  ])('a retry that never went out because %s leaves its budget to the next request', async (_why, how) => {
    const clock = new FakeClock();
    metrics = new GatewayMetrics({ processMetrics: false });
    gateway = await startOneRetryRoute(clock);
    if (how === 'cool') {
      expect(
        (await sendThroughBackoff(gateway.url, clock, { 'x-name': 'first', 'x-answer': 'cool' })).status,
      ).toBe(503);
      clock.advance(1_000);
    } else {
      const requests = captureChannel<{ status: number }>(channelNames.request);
      const attempts = captureChannel<AttemptEvent>(channelNames.attempt);
      const leaving = new AbortController();
      const first = request(gateway.url, { headers: { 'x-name': 'first' }, signal: leaving.signal });
      await eventually(() => attempts.events.length === 1, 5_000, 'the 503 to be held for a retry');
      leaving.abort();
      await first.catch(() => undefined);
      await eventually(() => requests.events.length === 1, 5_000, 'the gateway to see the client go');
      requests.stop();
      attempts.stop();
    }
    // The budget held one retry: it is still there for this request's.
    expect(await sendThroughBackoff(gateway.url, clock, { 'x-name': 'second' })).toEqual({
      status: 200,
      body: 'retried',
    });
    const text = await metrics.metricsText();
    expect(retriesCounted(text, 'retried')).toBe(1);
    expect(retriesCounted(text, 'budget')).toBeUndefined();
  });
});
