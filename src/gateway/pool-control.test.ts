import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import {
  advanceSettled,
  captureChannel,
  poolSpec,
  recordingBalancer,
  scriptedProbe,
} from '../../test/support/pool-fixtures.ts';
import { channelNames, type EndpointControlEvent, type Outcome } from '../core/index.ts';
import type { Endpoint } from './endpoint.ts';
import { Pool } from './pool.ts';
import type { PoolSpec } from './spec.ts';

const fail: Outcome = { kind: 'failure', reason: 'reset', latencyMs: 3 };
const none: ReadonlySet<Endpoint> = new Set();
const slowStartMs = 10_000;

function setup(spec: PoolSpec = poolSpec(4, { slowStartMs })) {
  const clock = new FakeClock(0);
  const balancer = recordingBalancer();
  const { healthProbeFor, verdicts, calls } = scriptedProbe();
  const pool = new Pool('api', spec, { clock, balancer, random: () => 0.5, healthProbeFor });
  const at = (i: number): Endpoint => pool.endpoints[i] as Endpoint;
  const eject = (endpoint: Endpoint): void => {
    for (let i = 0; i < spec.outlierDetection.consecutiveFailures; i += 1) pool.recordOutcome(endpoint, fail);
  };
  const weightOf = (endpoint: Endpoint): number => endpoint.effectiveWeight(clock.nowMs());
  return { clock, balancer, verdicts, calls, pool, at, eject, weightOf };
}

describe('Pool: runtime admin state and weight', () => {
  it('drain and maintenance take an endpoint out of every list, panic included; ready brings it back', () => {
    const { pool, balancer, at } = setup();
    pool.setAdminState(at(0), 'draining');
    pool.setAdminState(at(1), 'maintenance');
    pool.pick({}, none, true);
    expect(balancer.offers.at(-1)).toEqual([at(2), at(3)]);
    expect(pool.healthyShare).toBe(1);
    expect(pool.status().endpoints.map((e) => [e.adminState, e.isDraining, e.isInMaintenance])).toEqual([
      ['draining', true, false],
      ['maintenance', true, true],
      ['ready', false, false],
      ['ready', false, false],
    ]);
    pool.setAdminState(at(0), 'ready');
    pool.setAdminState(at(1), 'ready');
    pool.pick({}, none);
    expect(balancer.offers.at(-1)).toEqual([at(0), at(1), at(2), at(3)]);
  });

  it('publishes each change of state or weight once, and no-op changes not at all', () => {
    const { pool, at } = setup();
    const capture = captureChannel<EndpointControlEvent>(channelNames.endpointControl);
    pool.setAdminState(at(0), 'maintenance');
    pool.setAdminState(at(0), 'maintenance');
    pool.setWeight(at(1), 5);
    pool.setWeight(at(1), 5);
    pool.setDraining(at(0), true); // already takes no new requests: stays in maintenance
    capture.stop();
    expect(capture.events).toEqual([
      { pool: 'api', endpoint: '10.0.0.1', state: 'maintenance', weight: 1 },
      { pool: 'api', endpoint: '10.0.0.2', state: 'ready', weight: 5 },
    ]);
  });

  it('refuses a weight balancers could not divide by', () => {
    const { pool, at } = setup();
    for (const weight of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => pool.setWeight(at(0), weight)).toThrow(RangeError);
    expect(at(0).weight).toBe(1);
  });

  it('pauses active checks in maintenance: no probe, no verdict change, no early return from ejection', async () => {
    const { clock, pool, at, verdicts, calls, eject } = setup();
    eject(at(0));
    pool.setAdminState(at(0), 'maintenance');
    verdicts.set('10.0.0.1', false);
    pool.start();
    await advanceSettled(clock, 5_000);
    expect(calls).not.toContain('10.0.0.1');
    expect(at(0).isHealthy).toBe(true);
    expect(at(0).isEjected).toBe(true);
    // Back from maintenance, checks count again.
    pool.setAdminState(at(0), 'ready');
    await advanceSettled(clock, 3_000);
    expect(calls).toContain('10.0.0.1');
    expect(at(0).isHealthy).toBe(false);
    await pool.stop();
  });
});

describe('Pool: slow start', () => {
  it('does not ramp endpoints that are ready from the start', () => {
    const { pool, weightOf, at } = setup();
    expect(pool.endpoints.map(weightOf)).toEqual([1, 1, 1, 1]);
    expect(at(0).slowStart.remainingMs(0)).toBe(0);
  });

  it('ramps an endpoint returning from ejection: 10 %, half, full', () => {
    const { clock, pool, at, eject, weightOf } = setup();
    at(0).weight = 4;
    eject(at(0));
    clock.advance(30_000); // base ejection: it returns
    expect(at(0).isReady).toBe(true);
    expect(weightOf(at(0))).toBeCloseTo(0.4, 12);
    expect(pool.status().endpoints[0]?.slowStartRemainingMs).toBe(10_000);
    clock.advance(5_000);
    expect(weightOf(at(0))).toBeCloseTo(2, 12);
    expect(pool.status().endpoints[0]?.effectiveWeight).toBeCloseTo(2, 12);
    clock.advance(5_000);
    expect(weightOf(at(0))).toBe(4);
    expect(weightOf(at(1))).toBe(1);
  });

  it('ramps an endpoint that passes its checks again after failing them', async () => {
    const { clock, pool, at, verdicts, weightOf } = setup();
    verdicts.set('10.0.0.2', false);
    pool.start();
    await advanceSettled(clock, 2_000);
    expect(at(1).isHealthy).toBe(false);
    verdicts.set('10.0.0.2', true);
    await advanceSettled(clock, 2_000);
    expect(at(1).isHealthy).toBe(true);
    expect(weightOf(at(1))).toBeLessThan(0.2);
    await pool.stop();
  });

  it.each(['draining', 'maintenance'] as const)('ramps an endpoint set ready after %s', (state) => {
    const { clock, pool, at, weightOf } = setup();
    pool.setAdminState(at(2), state);
    clock.advance(60_000);
    pool.setAdminState(at(2), 'ready');
    expect(weightOf(at(2))).toBeCloseTo(0.1, 12);
  });

  it('ramps nothing when slow_start is off', () => {
    const { clock, pool, at, eject, weightOf } = setup(poolSpec(4));
    eject(at(0));
    clock.advance(30_000);
    expect(weightOf(at(0))).toBe(1);
    expect(pool.status().endpoints[0]?.slowStartRemainingMs).toBe(0);
  });

  it('after a reload ramps endpoints new to the pool and continues ramps under way', () => {
    const before = setup(poolSpec(2, { slowStartMs }));
    before.eject(before.at(0));
    before.clock.advance(30_000 + 4_000); // returned 4 s ago: 40 % into its ramp
    const spec = poolSpec(3, { slowStartMs });
    const after = new Pool('api', spec, {
      clock: before.clock,
      balancer: recordingBalancer(),
      random: () => 0.5,
      healthProbeFor: scriptedProbe().healthProbeFor,
    });
    after.continueFrom(before.pool);
    const weights = after.endpoints.map((endpoint) => endpoint.effectiveWeight(before.clock.nowMs()));
    expect(weights[0]).toBeCloseTo(0.4, 12);
    expect(weights[1]).toBe(1);
    expect(weights[2]).toBeCloseTo(0.1, 12);
  });

  it('after a reload keeps an ejection and a cool-down under way, to the same end, and the outlier history', () => {
    const before = setup(poolSpec(3));
    before.eject(before.at(0));
    before.pool.coolDown(before.at(1), 20_000);
    before.clock.advance(5_000);
    const after = new Pool('api', poolSpec(3), {
      clock: before.clock,
      balancer: recordingBalancer(),
      random: () => 0.5,
      healthProbeFor: scriptedProbe().healthProbeFor,
    });
    after.continueFrom(before.pool);
    void before.pool.stop();
    const [ejected, cooling, other] = after.endpoints as [Endpoint, Endpoint, Endpoint];
    expect([ejected.isReady, cooling.isReady, other.isReady]).toEqual([false, false, true]);
    expect(after.status().endpoints[0]?.ejections).toBe(1);
    before.clock.advance(15_000);
    expect(cooling.isReady).toBe(true);
    expect(ejected.isEjected).toBe(true);
    before.clock.advance(10_000);
    expect(ejected.isReady).toBe(true);
  });
});
