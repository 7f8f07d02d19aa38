import { describe, expect, it } from 'vitest';
import type { Outcome } from '../core/index.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import {
  advanceSettled,
  poolSpec,
  recordingBalancer,
  scriptedProbe,
} from '../../test/support/pool-fixtures.ts';
import type { Endpoint } from './endpoint.ts';
import { Pool } from './pool.ts';
import type { PoolSpec } from './spec.ts';

const fail: Outcome = { kind: 'failure', reason: 'reset', latencyMs: 3 };
const none: ReadonlySet<Endpoint> = new Set();

function setup(spec: PoolSpec = poolSpec(4)) {
  const clock = new FakeClock(0);
  const balancer = recordingBalancer();
  const { healthProbeFor, verdicts } = scriptedProbe();
  const pool = new Pool('api', spec, { clock, balancer, random: () => 0.5, healthProbeFor });
  const at = (i: number): Endpoint => pool.endpoints[i] as Endpoint;
  const eject = (endpoint: Endpoint): void => {
    for (let i = 0; i < spec.outlierDetection.consecutiveFailures; i += 1) pool.recordOutcome(endpoint, fail);
  };
  return { clock, balancer, verdicts, pool, at, eject };
}

describe('Pool', () => {
  it('builds its endpoints from the spec and starts with every endpoint ready', () => {
    const { pool } = setup(poolSpec(3));
    expect(pool.endpoints.map((e) => [e.id, e.poolName, e.isReady])).toEqual([
      ['10.0.0.1', 'api', true],
      ['10.0.0.2', 'api', true],
      ['10.0.0.3', 'api', true],
    ]);
    expect(pool.healthyShare).toBe(1);
  });

  it('healthyShare is ready over non-draining, and 0 when every endpoint drains', async () => {
    const spec = poolSpec(4);
    const { clock, pool, verdicts, at } = setup({
      ...spec,
      endpoints: spec.endpoints.map((e, i) => ({ ...e, drain: i === 3 })),
    });
    expect(pool.healthyShare).toBe(1);
    verdicts.set('10.0.0.1', false);
    pool.start();
    await advanceSettled(clock, 2_000);
    expect(at(0).isHealthy).toBe(false);
    expect(pool.healthyShare).toBeCloseTo(2 / 3);
    for (const endpoint of pool.endpoints) pool.setDraining(endpoint, true);
    expect(pool.healthyShare).toBe(0);
    await pool.stop();
  });

  it('offers the balancer the cached ready list, refreshed only when eligibility changes', () => {
    const { pool, balancer, at, eject } = setup();
    pool.pick({}, none);
    pool.pick({}, none);
    expect(balancer.offers[1]).toBe(balancer.offers[0]);
    const version = pool.version;
    eject(at(1));
    expect(pool.version).toBe(version + 1);
    pool.pick({}, none);
    expect(balancer.offers[2]).not.toBe(balancer.offers[0]);
    expect(balancer.offers[2]).toEqual([at(0), at(2), at(3)]);
  });

  it('avoids endpoints this request already tried, and offers the ready ones again once all were tried', () => {
    const { pool, balancer, at, eject } = setup(poolSpec(3));
    eject(at(2));
    expect(pool.pick({}, new Set([at(0)]))).toBe(at(1));
    expect(balancer.offers.at(-1)).toEqual([at(1)]);
    expect(pool.pick({}, new Set([at(0), at(1)]))).toBe(at(0));
    expect(balancer.offers.at(-1)).toEqual([at(0), at(1)]);
  });

  it('passes the hint through to the balancer', () => {
    const clock = new FakeClock(0);
    const hints: unknown[] = [];
    const pool = new Pool('api', poolSpec(2), {
      clock,
      random: () => 0.5,
      balancer: { pick: (ready, hint) => (hints.push(hint), ready[0]) },
      healthProbeFor: scriptedProbe().healthProbeFor,
    });
    pool.pick({ hashKey: 'user-7' }, none);
    expect(hints).toEqual([{ hashKey: 'user-7' }]);
  });

  it('in panic offers every non-draining endpoint, ejected or unhealthy included, never a draining one', () => {
    const { pool, balancer, at, eject } = setup();
    eject(at(0));
    pool.setDraining(at(3), true);
    expect(pool.pick({}, none)).toBe(at(1));
    expect(balancer.offers.at(-1)).toEqual([at(1), at(2)]);
    pool.pick({}, none, true);
    expect(balancer.offers.at(-1)).toEqual([at(0), at(1), at(2)]);
  });

  it('returns undefined when nothing is eligible', () => {
    const { pool, balancer } = setup(poolSpec(2));
    for (const endpoint of pool.endpoints) pool.setDraining(endpoint, true);
    expect(pool.pick({}, none)).toBeUndefined();
    expect(pool.pick({}, none, true)).toBeUndefined();
    expect(balancer.offers).toHaveLength(0);
  });

  it('lets a passing active check return an ejected endpoint early', async () => {
    const { clock, pool, at, eject } = setup();
    eject(at(0));
    expect(at(0).isEjected).toBe(true);
    pool.start();
    // random 0.5: the first check runs at half an interval (500 ms), long before the 30 s ejection ends.
    await advanceSettled(clock, 500);
    expect(at(0).isEjected).toBe(false);
    expect(pool.readyEndpoints).toContain(at(0));
    await pool.stop();
  });

  it('keeps an ejected endpoint out for its whole ejection despite passing checks with uneject_on_health_check off', async () => {
    const spec = poolSpec(4);
    const { clock, pool, at, eject } = setup({
      ...spec,
      outlierDetection: { ...spec.outlierDetection, unejectOnHealthCheck: false },
    });
    eject(at(0));
    pool.start();
    // Checks pass every second for the 30 s ejection; only its end returns the endpoint.
    await advanceSettled(clock, 29_900, 100);
    expect(at(0).isEjected).toBe(true);
    expect(pool.readyEndpoints).not.toContain(at(0));
    await advanceSettled(clock, 200, 100);
    expect(at(0).isEjected).toBe(false);
    await pool.stop();
  });

  it('notifies watchers on every eligibility change', () => {
    const { pool, at, eject } = setup();
    let calls = 0;
    const unwatch = pool.watch(() => (calls += 1));
    eject(at(0));
    pool.setDraining(at(1), true);
    pool.setDraining(at(1), true);
    unwatch();
    pool.setDraining(at(1), false);
    expect(calls).toBe(2);
  });

  it('reports its status, judging panic alone when no pool set gives it a mode', () => {
    const { pool, at, eject } = setup(poolSpec(2));
    const baseline = {
      weight: 1,
      configuredWeight: 1,
      effectiveWeight: 1,
      slowStartRemainingMs: 0,
      isHealthy: true,
      isEjected: false,
      isDraining: false,
      isInMaintenance: false,
      adminState: 'ready',
      configuredState: 'ready',
      inFlight: 0,
      ejections: 0,
      coolDownRemainingMs: 0,
    };
    eject(at(0));
    expect(pool.status()).toEqual({
      name: 'api',
      mode: 'normal',
      healthyShare: 0.5,
      endpoints: [
        {
          ...baseline,
          id: '10.0.0.1',
          url: 'http://10.0.0.1/',
          isEjected: true,
          ejections: 1,
        },
        { ...baseline, id: '10.0.0.2', url: 'http://10.0.0.2/' },
      ],
    });
    pool.setDraining(at(1), true);
    expect(pool.status().mode).toBe('panic');
    expect(pool.status('failover').mode).toBe('failover');
  });

  it('stop() leaves no timers behind', async () => {
    const { clock, pool, at, eject } = setup();
    pool.start();
    eject(at(0));
    expect(clock.pendingTimers).toBeGreaterThan(1);
    await pool.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('runs no checker without a healthCheck spec', async () => {
    const { clock, pool } = setup({ ...poolSpec(2), healthCheck: undefined });
    pool.start();
    expect(clock.pendingTimers).toBe(0);
    await pool.stop();
  });
});
