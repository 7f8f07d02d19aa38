import type { ServerResponse } from 'node:http';
import { request, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * docs/configuration.md (adaptive_concurrency): an adaptive limit samples latency at the response headers,
 * so a stream gives its slot back there. Held for the whole stream, the slots of a limit pinned to min_limit
 * for a min-RTT measurement freed at one per stream length, and most requests timed out in the queue.
 */

let gateway: TestGateway | undefined;
let upstream: TestUpstream | undefined;
const held: ServerResponse[] = [];
const clock = new FakeClock();

afterEach(async () => {
  for (const res of held.splice(0)) res.end('data: end\n\n');
  // Waiters left in a queue time out on the fake clock, or the stop would wait for them.
  clock.advance(10_000);
  await gateway?.stop();
  gateway = undefined;
  await upstream?.close();
  upstream = undefined;
});

const overloadOf = (name: string) => gateway!.gateway.status().find((pool) => pool.name === name)?.overload;

describe('concurrency: adaptive in front of streams', () => {
  it('lets streams past min_limit while min RTT is measured, as a fixed limit does not', async () => {
    upstream = await startTestUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      held.push(res);
    });
    const endpoints = [{ url: upstream.url }];
    gateway = await startTestGateway(
      {
        pools: {
          llm: {
            endpoints,
            concurrency: 'adaptive',
            adaptive_concurrency: { min_rtt_interval: '5s', min_rtt_samples: 10 },
            queue: { max: 100, timeout: '1s' },
          },
          fixed: { endpoints, concurrency: 2, queue: { max: 100, timeout: '1s' } },
        },
        routes: [{ match: { path_prefix: '/fixed' }, pool: 'fixed' }, { pool: 'llm' }],
      },
      { clock },
    );
    expect(overloadOf('llm')?.limit).toBe(3);
    const begun: Dispatcher.ResponseData[] = [];
    for (let i = 0; i < 12; i++) void request(`${gateway.url}/chat/${i}`).then((res) => begun.push(res));
    // Before, three streams ran and nine waited for one of them to end.
    await eventually(() => begun.length === 12, 5_000, 'all twelve streams begun');
    expect(overloadOf('llm')).toMatchObject({ inFlight: 0, queued: 0, latencySamplesTotal: 12 });
    // Ten samples completed the measurement: the limit is back to initial_limit.
    expect(overloadOf('llm')?.limit).toBe(20);

    for (let i = 0; i < 3; i++) void request(`${gateway.url}/fixed/${i}`).then((res) => begun.push(res));
    // The two admitted streams' headers reach this client a moment after the third is queued: wait for both.
    await eventually(
      () => overloadOf('fixed')?.queued === 1 && begun.length === 14,
      5_000,
      'two fixed streams begun and the third queued',
    );
    expect(begun.length).toBe(14);
    expect(overloadOf('fixed')).toMatchObject({ inFlight: 2, queued: 1 });
    for (const res of begun) res.body.resume();
  });
});
