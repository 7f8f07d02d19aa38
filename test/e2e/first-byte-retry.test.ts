import type { IncomingMessage, ServerResponse } from 'node:http';
import { request, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { channelNames, type AttemptEvent, type RetryEvent } from '../../src/core/events.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { captureChannel } from '../support/pool-fixtures.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * `retry.on: [first-byte-timeout]`, Envoy's per-try timeout: an endpoint that wedges before its response
 * headers is let go at `first_byte` and the request retried on another, inside `total`, as safely as a reset
 * on a fresh connection (the request did reach the upstream).
 */

let gateway: TestGateway | undefined;
const upstreams: TestUpstream[] = [];
const captures: { stop: () => void }[] = [];

afterEach(async () => {
  for (const capture of captures.splice(0)) capture.stop();
  await gateway?.stop();
  gateway = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

/** What reached one upstream: each request, and whether the gateway closed it before it was answered. */
interface Visits {
  readonly names: string[];
  closedUnanswered: number;
}

/**
 * Two endpoints sharing one script: the first `hangCount` requests to reach either one never get an answer,
 * any later one is answered with the endpoint's name. Whichever endpoint the balancer picks first hangs.
 */
async function fleet(hangCount: number): Promise<{ urls: string[]; visits: Visits[] }> {
  let arrivals = 0;
  const visits: Visits[] = [];
  const urls: string[] = [];
  for (const name of ['a', 'b']) {
    const seen: Visits = { names: [], closedUnanswered: 0 };
    visits.push(seen);
    const started = await startTestUpstream((req: IncomingMessage, res: ServerResponse) => {
      seen.names.push(name);
      req.resume();
      arrivals += 1;
      if (arrivals > hangCount) return void res.end(`answered by ${name}`);
      res.on('close', () => {
        if (!res.writableEnded) seen.closedUnanswered += 1;
      });
    });
    upstreams.push(started);
    urls.push(started.url);
  }
  return { urls, visits };
}

function capture<T>(name: string): T[] {
  const captured = captureChannel<T>(name);
  captures.push(captured);
  return captured.events;
}

const arrived = (visits: Visits[]): number => visits.reduce((sum, v) => sum + v.names.length, 0);
const closedUnanswered = (visits: Visits[]): number => visits.reduce((sum, v) => sum + v.closedUnanswered, 0);

async function errorOf(res: Dispatcher.ResponseData): Promise<{ code: string; message: string }> {
  return ((await res.body.json()) as { error: { code: string; message: string } }).error;
}

/** A pool of the two endpoints and one route on it, with `route`'s timeouts and retry. */
async function gatewayFor(
  urls: string[],
  route: Record<string, unknown>,
  clock: FakeClock,
): Promise<TestGateway> {
  return startTestGateway(
    { pools: { llm: { endpoints: urls.map((url) => ({ url })) } }, routes: [{ pool: 'llm', ...route }] },
    { clock },
  );
}

const retryOnTimeout = { on: ['connect-failure', 'first-byte-timeout'] };

describe('a first-byte timeout listed in retry.on', () => {
  it('GET: the hung endpoint is let go at first_byte, its request closed, and the healthy one answers', async () => {
    const clock = new FakeClock();
    const { urls, visits } = await fleet(1);
    const timeouts = { first_byte: '2s', total: '60s' };
    gateway = await gatewayFor(urls, { timeouts, retry: retryOnTimeout }, clock);
    const attempts = capture<AttemptEvent>(channelNames.attempt);
    const retries = capture<RetryEvent>(channelNames.retry);
    const pending = request(gateway.url);
    await eventually(() => arrived(visits) === 1, 5_000, 'the first request at an upstream');
    clock.advance(2_000);
    // The backoff (under 25 ms by default) runs on the fake clock too.
    clock.advance(100);
    const res = await pending;
    expect(res.statusCode).toBe(200);
    const body = await res.body.text();
    await eventually(() => closedUnanswered(visits) === 1, 5_000, "the hung upstream's request to close");
    // The retry went to the other endpoint, not back to the hung one.
    expect(visits.map((v) => v.names.length)).toEqual([1, 1]);
    const hungIndex = visits.findIndex((v) => v.closedUnanswered === 1);
    expect(body).toBe(`answered by ${hungIndex === 0 ? 'b' : 'a'}`);
    expect(retries).toMatchObject([{ cause: 'first-byte-timeout', decision: 'retried', pool: 'llm' }]);
    // The hung endpoint is charged a first-byte timeout, as outlier detection sees timeouts.
    expect(attempts.map((a) => a.outcome)).toMatchObject([
      { kind: 'timeout', phase: 'first_byte' },
      { kind: 'success', status: 200 },
    ]);
  });

  it('POST without retry_non_idempotent: 504 as before, the retry denied as not-idempotent', async () => {
    const clock = new FakeClock();
    const { urls, visits } = await fleet(1);
    gateway = await gatewayFor(urls, { timeouts: { first_byte: '2s' }, retry: retryOnTimeout }, clock);
    const retries = capture<RetryEvent>(channelNames.retry);
    const pending = request(gateway.url, { method: 'POST', body: 'prompt' });
    await eventually(() => arrived(visits) === 1, 5_000, 'the POST at an upstream');
    clock.advance(2_000);
    clock.advance(100);
    const res = await pending;
    expect(res.statusCode).toBe(504);
    expect(await errorOf(res)).toMatchObject({ code: 'GW_UPSTREAM_TIMEOUT' });
    expect(retries).toMatchObject([{ cause: 'first-byte-timeout', decision: 'not-idempotent' }]);
    await eventually(() => closedUnanswered(visits) === 1, 5_000, "the hung upstream's request to close");
    expect(arrived(visits)).toBe(1);
  });

  it('POST with retry_non_idempotent: retried on the other endpoint', async () => {
    const clock = new FakeClock();
    const { urls, visits } = await fleet(1);
    const retry = { ...retryOnTimeout, retry_non_idempotent: true };
    gateway = await gatewayFor(urls, { timeouts: { first_byte: '2s' }, retry }, clock);
    const pending = request(gateway.url, { method: 'POST', body: 'prompt' });
    await eventually(() => arrived(visits) === 1, 5_000, 'the POST at an upstream');
    clock.advance(2_000);
    clock.advance(100);
    const res = await pending;
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toMatch(/^answered by [ab]$/);
    expect(visits.map((v) => v.names.length)).toEqual([1, 1]);
  });

  it('with the retry budget exhausted: 504 as before, the retry denied for budget', async () => {
    const clock = new FakeClock();
    const { urls, visits } = await fleet(1);
    const retry = { ...retryOnTimeout, budget: { ratio: '0%', min_per_second: 0 } };
    gateway = await gatewayFor(urls, { timeouts: { first_byte: '2s' }, retry }, clock);
    const retries = capture<RetryEvent>(channelNames.retry);
    const pending = request(gateway.url);
    await eventually(() => arrived(visits) === 1, 5_000, 'the request at an upstream');
    clock.advance(2_000);
    clock.advance(100);
    const res = await pending;
    expect(res.statusCode).toBe(504);
    expect(await errorOf(res)).toMatchObject({ code: 'GW_UPSTREAM_TIMEOUT' });
    expect(retries).toMatchObject([{ cause: 'first-byte-timeout', decision: 'budget' }]);
    expect(arrived(visits)).toBe(1);
  });

  it('total still bounds the request: a retry after first_byte is cut off at total, with total’s 504', async () => {
    const clock = new FakeClock();
    // Both endpoints hang: the retry cannot save the request, and `total` must end it.
    const { urls, visits } = await fleet(2);
    gateway = await gatewayFor(
      urls,
      { timeouts: { first_byte: '2s', total: '3s' }, retry: retryOnTimeout },
      clock,
    );
    const pending = request(gateway.url);
    await eventually(() => arrived(visits) === 1, 5_000, 'the first request at an upstream');
    clock.advance(2_000);
    clock.advance(100);
    await eventually(() => arrived(visits) === 2, 5_000, 'the retry at the other upstream');
    clock.advance(900);
    const res = await pending;
    expect(res.statusCode).toBe(504);
    expect(await errorOf(res)).toMatchObject({
      code: 'GW_UPSTREAM_TIMEOUT',
      message: expect.stringContaining('total timeout of 3000 ms') as unknown,
    });
    await eventually(() => closedUnanswered(visits) === 2, 5_000, 'both upstream requests to close');
  });
});
