import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { channelNames, type AttemptEvent } from '../../src/core/events.ts';
import { GatewayMetrics } from '../../src/observability/metrics.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { captureChannel } from '../support/pool-fixtures.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';
import { within } from '../support/within.ts';

/**
 * Requests beyond `max_connections_per_endpoint` wait at most the connect timeout for a connection, then are
 * refused locally (503 GW_ENDPOINT_SATURATED) as Envoy's pending overflow: never sent, never the endpoint's fault.
 */

let gateway: TestGateway | undefined;
let metrics: GatewayMetrics | undefined;
const upstreams: TestUpstream[] = [];
const captures: { stop: () => void }[] = [];

afterEach(async () => {
  for (const capture of captures.splice(0)) capture.stop();
  metrics?.close();
  metrics = undefined;
  await gateway?.stop();
  gateway = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

/** An upstream that holds every request until `answerAll`, or answers at once with `name` when told to. */
async function slowUpstream(name: string) {
  const held: ServerResponse[] = [];
  const started = await startTestUpstream((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    if (req.headers['x-fast'] === '1') return void res.end(name);
    held.push(res);
  });
  upstreams.push(started);
  return {
    url: started.url,
    held,
    answerAll: () => held.splice(0).forEach((res) => res.end(name)),
  };
}

function attemptsCaptured() {
  const capture = captureChannel<AttemptEvent>(channelNames.attempt);
  captures.push(capture);
  return capture.events;
}

async function answer(response: ReturnType<typeof request>) {
  const res = await response;
  return { status: res.statusCode, body: await res.body.text() };
}

const errorCode = (body: string): unknown => (JSON.parse(body) as { error: { code: string } }).error.code;

describe('max_connections_per_endpoint', () => {
  it('with a cap of 2, 5 concurrent slow requests: 2 reach the upstream, 3 get 503 after the connect timeout', async () => {
    const clock = new FakeClock();
    const only = await slowUpstream('only');
    metrics = new GatewayMetrics({ processMetrics: false });
    gateway = await startTestGateway(
      {
        pools: { llm: { endpoints: [{ url: only.url }], max_connections_per_endpoint: 2 } },
        routes: [{ pool: 'llm', timeouts: { connect: '1s', total: '60s' } }],
      },
      { clock },
    );
    const attempts = attemptsCaptured();
    const url = gateway.url;
    let refusedCount = 0;
    const responses = [1, 2, 3, 4, 5].map(() =>
      answer(request(url)).then((a) => {
        if (a.status === 503) refusedCount += 1;
        return a;
      }),
    );
    await eventually(() => only.held.length === 2, 5_000, 'two requests at the upstream');
    // The other three wait at the gate from the moment the gateway has them (a bodiless request is dispatched at
    // once): their connect timers must be armed before the clock moves, or they would wait another second.
    await eventually(() => gateway?.gateway.openRequests === 5, 5_000, 'five requests at the gateway');
    clock.advance(1_000);
    // Each refusal is retried (a connect-class failure), but the only endpoint has no room: no retry goes out.
    await eventually(() => attempts.length === 3, 5_000, 'three requests refused');
    clock.advance(1_000);
    await eventually(() => refusedCount === 3, 5_000, 'three answers');
    only.answerAll();
    const answers = await Promise.all(responses);
    const refused = answers.filter((a) => a.status === 503);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    expect(refused.map((a) => errorCode(a.body))).toEqual([
      'GW_ENDPOINT_SATURATED',
      'GW_ENDPOINT_SATURATED',
      'GW_ENDPOINT_SATURATED',
    ]);
    expect(only.held).toHaveLength(0);
    expect(attempts.slice(0, 3).map((a) => a.outcome)).toEqual(
      Array.from({ length: 3 }, () => ({ kind: 'rejected', reason: 'saturated' })),
    );
    const text = await metrics.metricsText();
    expect(text).toMatch(/^bulwark_gateway_upstream_attempts_total\{.*outcome="rejected_saturated"\} 3$/m);
    expect(text).not.toMatch(/outcome="timeout"/);
  });

  it('round-robin passes over a full endpoint: the request goes straight to one with room, nothing refused', async () => {
    const clock = new FakeClock();
    const busy = await slowUpstream('busy');
    const spare = await slowUpstream('spare');
    gateway = await startTestGateway(
      {
        pools: {
          api: {
            balancer: 'round-robin',
            endpoints: [{ url: busy.url }, { url: spare.url }],
            max_connections_per_endpoint: 1,
          },
        },
        routes: [{ pool: 'api', timeouts: { connect: '1s', total: '60s' } }],
      },
      { clock },
    );
    const attempts = attemptsCaptured();
    const url = gateway.url;
    const first = answer(request(url));
    await eventually(() => busy.held.length + spare.held.length === 1, 5_000, 'the first at an upstream');
    const full = busy.held.length === 1 ? busy : spare;
    const roomyName = full === busy ? 'spare' : 'busy';
    // Round robin would send the second and third alternately; the third's turn is the full endpoint's.
    for (let i = 0; i < 2; i++) {
      const fast = request(url, { headers: { 'x-fast': '1' } });
      // No clock advance: before the fix the third waited the connect timeout at the full endpoint's gate.
      expect(await within(answer(fast), 2_000, 'the answer')).toEqual({ status: 200, body: roomyName });
    }
    expect(attempts.map((a) => a.outcome.kind)).toEqual(['success', 'success']);
    full.answerAll();
    expect((await first).status).toBe(200);
  });

  it('when every endpoint is full a request waits at one, and its refusal is retried to one with room', async () => {
    const clock = new FakeClock();
    const one = await slowUpstream('one');
    const two = await slowUpstream('two');
    gateway = await startTestGateway(
      {
        pools: {
          api: {
            balancer: 'round-robin',
            endpoints: [{ url: one.url }, { url: two.url }],
            max_connections_per_endpoint: 1,
            outlier_detection: { consecutive_failures: 1 },
          },
        },
        routes: [{ pool: 'api', timeouts: { connect: '1s', total: '60s' } }],
      },
      { clock },
    );
    const attempts = attemptsCaptured();
    const url = gateway.url;
    const held = [answer(request(url)), answer(request(url))];
    await eventually(() => one.held.length === 1 && two.held.length === 1, 5_000, 'one at each upstream');
    const third = answer(request(url, { headers: { 'x-fast': '1' } }));
    const inFlight = () => gateway?.gateway.status()[0]?.endpoints.map((e) => e.inFlight) ?? [];
    await eventually(() => inFlight().includes(2), 5_000, 'the third waiting at a full endpoint');
    const [waitedAt, freed] = inFlight()[0] === 2 ? [one, two] : [two, one];
    freed.answerAll();
    await eventually(() => attempts.length === 1, 5_000, 'a connection freed');
    clock.advance(1_000);
    await eventually(() => attempts.length === 2, 5_000, 'the third refused by its full endpoint');
    // The retry's backoff runs on the clock too.
    clock.advance(1_000);
    expect(await third).toEqual({ status: 200, body: freed === one ? 'one' : 'two' });
    expect(attempts.map((a) => a.outcome.kind)).toEqual(['success', 'rejected', 'success']);
    waitedAt.answerAll();
    expect((await Promise.all(held)).map((a) => a.status)).toEqual([200, 200]);
    const [pool] = gateway.gateway.status();
    expect(pool?.endpoints.map((endpoint) => endpoint.isEjected)).toEqual([false, false]);
  });

  it('a request still waiting for a connection when the total timeout ends gets 503, not a 504 on the endpoint', async () => {
    const clock = new FakeClock();
    const only = await slowUpstream('only');
    gateway = await startTestGateway(
      {
        pools: { llm: { endpoints: [{ url: only.url }], max_connections_per_endpoint: 1 } },
        routes: [
          { match: { path_prefix: '/long' }, pool: 'llm', timeouts: { total: '60s' } },
          // With connect off, nothing but `total` bounds the wait.
          { pool: 'llm', timeouts: { connect: '0s', total: '5s' } },
        ],
      },
      { clock },
    );
    const attempts = attemptsCaptured();
    const long = answer(request(`${gateway.url}/long`));
    await eventually(() => only.held.length === 1, 5_000, 'the long request at the upstream');
    const waiting = answer(request(gateway.url));
    await eventually(
      () => gateway?.gateway.status()[0]?.endpoints[0]?.inFlight === 2,
      5_000,
      'both in flight',
    );
    clock.advance(5_000);
    const refused = await waiting;
    expect(refused.status).toBe(503);
    expect(errorCode(refused.body)).toBe('GW_ENDPOINT_SATURATED');
    expect(attempts.map((a) => a.outcome)).toEqual([{ kind: 'rejected', reason: 'saturated' }]);
    expect(only.held).toHaveLength(1);
    only.answerAll();
    expect(await long).toEqual({ status: 200, body: 'only' });
  });
});
