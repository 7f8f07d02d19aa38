import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.ts';
import type { HealthProbeFactory } from '../../src/gateway/health/health-probe.ts';
import { createLogger } from '../../src/observability/index.ts';
import { DataPlane } from '../../src/runtime/data-plane.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { eventually } from '../support/gateway-harness.ts';
import { send, type Answer } from '../support/overload-fixtures.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * docs/operations.md (reload): requests waiting in a pool's queue move to the new config's queue, in their
 * order and with their deadline; requests running keep counting against the pool's limit until they end.
 */

let plane: DataPlane | undefined;
let clock = new FakeClock();
let upstream: TestUpstream | undefined;
const held: ServerResponse[] = [];
const arrived: string[] = [];
/** After a test, the upstream answers at once, so whatever is still queued finishes and the stop is quick. */
let isHolding = true;

afterEach(async () => {
  isHolding = false;
  for (const res of held.splice(0)) res.end('done');
  arrived.length = 0;
  // Waiters left in a queue time out on the fake clock, or the stop would wait for them.
  clock.advance(10_000);
  await plane?.stop({ shutdownDelayMs: 0 });
  plane = undefined;
  await upstream?.close();
  upstream = undefined;
});

const configOf = (url: string, concurrency: number) =>
  configSchema.parse({
    listen: { gateway: '127.0.0.1:0', admin: '127.0.0.1:0' },
    logging: { level: 'silent' },
    pools: { api: { endpoints: [{ url }], concurrency, queue: { max: 3, timeout: '2s' } } },
    routes: [{ pool: 'api' }],
  });

const passing: HealthProbeFactory = () => ({ probe: () => Promise.resolve(true), close: async () => {} });
const overload = () => plane!.status().find((pool) => pool.name === 'api')?.overload;
const releaseOne = (): void => void held.shift()?.end('done');

describe('a reload while requests wait in a pool queue', () => {
  it('moves the waiters to the new queue in order, keeps their deadline, and counts the running ones', async () => {
    clock = new FakeClock();
    upstream = await startTestUpstream((req: IncomingMessage, res: ServerResponse) => {
      arrived.push(String(req.headers['x-name']));
      if (isHolding) held.push(res);
      else res.end('done');
    });
    const url = upstream.url;
    plane = new DataPlane(configOf(url, 5), {
      activeHealthChecks: false,
      healthProbeFor: passing,
      logger: createLogger({ level: 'silent' }),
      clock,
    });
    await plane.start();
    const gatewayUrl = plane.gatewayUrl;
    const answers: Promise<Answer>[] = [];
    for (let i = 0; i < 5; i++) answers.push(send(gatewayUrl, { 'x-name': `run${i}` }));
    await eventually(() => held.length === 5, 5_000, 'five requests at the upstream');
    const queued: Promise<Answer>[] = [];
    for (const name of ['q1', 'q2', 'q3']) {
      queued.push(send(gatewayUrl, { 'x-name': name }));
      await eventually(() => overload()?.queued === queued.length, 5_000, `${name} queued`);
    }
    const [q1, q2, q3] = queued as [Promise<Answer>, Promise<Answer>, Promise<Answer>];
    clock.advance(300);

    await plane.swapTo(configOf(url, 6));
    // The new limit's sixth slot goes to the oldest waiter; the five running still count against it.
    await eventually(() => held.length === 6, 5_000, 'q1 at the upstream');
    expect(arrived.at(-1)).toBe('q1');
    expect(overload()).toMatchObject({ limit: 6, inFlight: 6, queued: 2 });

    // A request arriving after the reload queues behind the ones that waited before it.
    const late = send(gatewayUrl, { 'x-name': 'late' });
    await eventually(() => overload()?.queued === 3, 5_000, 'late queued');
    releaseOne();
    await eventually(() => held.length === 6, 5_000, 'q2 at the upstream');
    expect(arrived.at(-1)).toBe('q2');

    // q3 keeps the deadline it had in the old queue (2 s from its arrival), not a fresh one.
    clock.advance(1_700);
    expect(await q3).toMatchObject({ status: 503, code: 'GW_QUEUE_TIMEOUT' });
    expect(overload()).toMatchObject({ inFlight: 6, queued: 1 });

    while (held.length > 0) releaseOne();
    await eventually(() => held.length === 1, 5_000, 'late at the upstream');
    releaseOne();
    const all = await Promise.all([...answers, q1, q2, late]);
    expect(all.map((answer) => answer.status)).toEqual(Array.from({ length: 8 }, () => 200));
    expect(arrived).toEqual(['run0', 'run1', 'run2', 'run3', 'run4', 'q1', 'q2', 'late']);
    await eventually(() => overload()?.inFlight === 0, 5_000, 'every slot given back');
    expect(overload()).toMatchObject({ inFlight: 0, queued: 0 });
  });
});
