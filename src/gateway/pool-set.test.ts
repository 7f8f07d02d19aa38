import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { channelNames, type CoolDownEvent, type Outcome, type PoolModeEvent } from '../core/index.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import {
  advanceSettled,
  captureChannel,
  poolSpec,
  recordingBalancer,
  scriptedProbe,
} from '../../test/support/pool-fixtures.ts';
import type { Endpoint } from './endpoint.ts';
import { PoolSet } from './pool-set.ts';
import type { PoolSpec } from './spec.ts';

// Checks every 1 s (the first at 500 ms with random 0.5); 2 failed checks down, 2 passes up.
const none: ReadonlySet<Endpoint> = new Set();

function setup(specs: Record<string, PoolSpec>) {
  const clock = new FakeClock(0);
  const { healthProbeFor, verdicts } = scriptedProbe();
  const balancers = new Map<string, ReturnType<typeof recordingBalancer>>();
  const pools = PoolSet.fromSpecs(specs, {
    clock,
    random: () => 0.5,
    healthProbeFor,
    balancerFor: (name) => {
      const balancer = recordingBalancer();
      balancers.set(name, balancer);
      return balancer;
    },
  });
  const endpointsOf = (name: string): Endpoint[] => [...(pools.get(name)?.endpoints ?? [])];
  const setHealth = (ids: string[], isUp: boolean): void => ids.forEach((id) => verdicts.set(id, isUp));
  const lastOffer = (name: string): readonly Endpoint[] | undefined => balancers.get(name)?.offers.at(-1);
  return { clock, pools, endpointsOf, setHealth, lastOffer };
}

const withBackup = {
  api: poolSpec(2, { failover: 'api-backup' }),
  'api-backup': poolSpec(2, {}, 1),
};

let modes: ReturnType<typeof captureChannel<PoolModeEvent>>;
beforeEach(() => {
  modes = captureChannel<PoolModeEvent>(channelNames.poolMode);
});
afterEach(() => modes.stop());

describe('PoolSet', () => {
  it('serves the route pool normally while it is healthy', () => {
    const { pools, endpointsOf } = setup(withBackup);
    const selection = pools.select('api', {}, none);
    expect(selection?.pool.name).toBe('api');
    expect(selection?.mode).toBe('normal');
    expect(endpointsOf('api')).toContain(selection?.endpoint);
    expect(modes.events).toEqual([]);
  });

  it('fails over when the route pool is all unhealthy, and comes back once healthy thresholds are met', async () => {
    const { clock, pools, endpointsOf, setHealth } = setup(withBackup);
    pools.start();
    setHealth(['10.0.0.1', '10.0.0.2'], false);
    await advanceSettled(clock, 2_000);
    for (let i = 0; i < 5; i += 1) {
      const selection = pools.select('api', {}, none);
      expect(selection?.pool.name).toBe('api-backup');
      expect(selection?.mode).toBe('failover');
      expect(endpointsOf('api-backup')).toContain(selection?.endpoint);
    }
    expect(modes.events).toEqual([
      { pool: 'api', mode: 'failover', healthyShare: 0, failoverTo: 'api-backup' },
    ]);

    setHealth(['10.0.0.1', '10.0.0.2'], true);
    await advanceSettled(clock, 1_000);
    expect(pools.select('api', {}, none)?.pool.name).toBe('api-backup');
    await advanceSettled(clock, 1_000);
    expect(pools.select('api', {}, none)).toMatchObject({ mode: 'normal', pool: { name: 'api' } });
    expect(modes.events).toHaveLength(2);
    expect(modes.events[1]).toEqual({ pool: 'api', mode: 'normal', healthyShare: 0.5 });
    await pools.stop();
  });

  it('panics below the threshold with no failover: every non-draining endpoint serves, announced once', async () => {
    const { clock, pools, endpointsOf, setHealth, lastOffer } = setup({ solo: poolSpec(4) });
    pools.start();
    setHealth(['10.0.0.1', '10.0.0.2', '10.0.0.3'], false);
    await advanceSettled(clock, 2_000);
    for (let i = 0; i < 10; i += 1) expect(pools.select('solo', {}, none)?.mode).toBe('panic');
    expect(lastOffer('solo')).toEqual(endpointsOf('solo'));
    expect(modes.events).toEqual([{ pool: 'solo', mode: 'panic', healthyShare: 0.25 }]);
    expect(pools.status()[0]).toMatchObject({ name: 'solo', mode: 'panic', healthyShare: 0.25 });
    await pools.stop();
  });

  it('panics in the route pool, not the backup, when the whole chain is below threshold', async () => {
    const { clock, pools, endpointsOf, setHealth, lastOffer } = setup(withBackup);
    pools.start();
    setHealth(['10.0.0.1', '10.0.0.2', '10.0.1.1', '10.0.1.2'], false);
    await advanceSettled(clock, 2_000);
    expect(pools.select('api', {}, none)).toMatchObject({ mode: 'panic', pool: { name: 'api' } });
    expect(lastOffer('api')).toEqual(endpointsOf('api'));
    // api's checks fail first (it fails over), then the backup's: both pools end in panic.
    expect(modes.events.map((e) => [e.pool, e.mode])).toEqual([
      ['api', 'failover'],
      ['api', 'panic'],
      ['api-backup', 'panic'],
    ]);
    await pools.stop();
  });

  it('never selects a draining endpoint, even in panic; nothing at all when every endpoint drains', async () => {
    const spec = poolSpec(3);
    const drained = { ...spec, endpoints: spec.endpoints.map((e, i) => ({ ...e, drain: i === 2 })) };
    const { clock, pools, endpointsOf, setHealth, lastOffer } = setup({ solo: drained });
    const [a, b, c] = endpointsOf('solo') as [Endpoint, Endpoint, Endpoint];
    pools.start();
    setHealth(['10.0.0.1', '10.0.0.2'], false);
    await advanceSettled(clock, 2_000);
    expect(pools.select('solo', {}, none)?.mode).toBe('panic');
    expect(lastOffer('solo')).toEqual([a, b]);
    expect(pools.select('solo', {}, new Set([a, b]))?.endpoint).not.toBe(c);
    pools.get('solo')?.setDraining(a, true);
    pools.get('solo')?.setDraining(b, true);
    expect(pools.select('solo', {}, none)).toBeUndefined();
    await pools.stop();
  });

  it('avoids endpoints the request already tried, in the failover pool too', async () => {
    const { clock, pools, endpointsOf, setHealth } = setup(withBackup);
    const [backupA, backupB] = endpointsOf('api-backup') as [Endpoint, Endpoint];
    const [apiA, apiB] = endpointsOf('api') as [Endpoint, Endpoint];
    expect(pools.select('api', {}, new Set([apiA]))?.endpoint).toBe(apiB);
    pools.start();
    setHealth(['10.0.0.1', '10.0.0.2'], false);
    await advanceSettled(clock, 2_000);
    expect(pools.select('api', {}, new Set([apiA, backupA]))?.endpoint).toBe(backupB);
    expect(pools.select('api', {}, new Set([backupA, backupB]))?.endpoint).toBe(backupA);
    await pools.stop();
  });

  it('routes outcomes to the endpoint’s own pool; ejections change the mode like health does', () => {
    const { pools, endpointsOf } = setup({
      ...withBackup,
      api: poolSpec(2, { failover: 'api-backup', panicThreshold: 1 }),
    });
    const [apiA] = endpointsOf('api') as [Endpoint];
    const reset: Outcome = { kind: 'failure', reason: 'reset', latencyMs: 2 };
    for (let i = 0; i < 3; i += 1) pools.recordOutcome(apiA, reset);
    expect(apiA.isEjected).toBe(true);
    expect(pools.select('api', {}, none)?.mode).toBe('failover');
    const [api, backup] = pools.status();
    expect(api).toMatchObject({ name: 'api', mode: 'failover', healthyShare: 0.5 });
    expect(api?.endpoints[0]?.ejections).toBe(1);
    expect(backup).toMatchObject({ name: 'api-backup', mode: 'normal', healthyShare: 1 });
  });

  it('answers undefined for an unknown pool, rejects a failover to a missing pool, and survives a cycle', async () => {
    expect(setup(withBackup).pools.select('nope', {}, none)).toBeUndefined();
    expect(() => setup({ api: poolSpec(1, { failover: 'gone' }) })).toThrow(
      /failover pool gone does not exist/,
    );
    const { clock, pools, setHealth } = setup({
      a: poolSpec(1, { failover: 'b' }),
      b: poolSpec(1, { failover: 'a' }, 1),
    });
    pools.start();
    setHealth(['10.0.0.1', '10.0.1.1'], false);
    await advanceSettled(clock, 2_000);
    expect(pools.select('a', {}, none)).toMatchObject({ mode: 'panic', pool: { name: 'a' } });
    expect(pools.select('b', {}, none)).toMatchObject({ mode: 'panic', pool: { name: 'b' } });
    await pools.stop();
  });

  it('stop() stops every pool and leaves no timers', async () => {
    const { clock, pools } = setup(withBackup);
    pools.start();
    expect(clock.pendingTimers).toBe(4);
    await pools.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('PoolSet cool-downs (Retry-After)', () => {
  let coolDowns: ReturnType<typeof captureChannel<CoolDownEvent>>;
  beforeEach(() => {
    coolDowns = captureChannel<CoolDownEvent>(channelNames.coolDown);
  });
  afterEach(() => coolDowns.stop());

  it('a status outside overload_statuses keeps the endpoint in rotation, but keeps retries off it', () => {
    const { pools, endpointsOf } = setup({ api: poolSpec(2, { overloadStatuses: [503] }) });
    const [quota, other] = endpointsOf('api') as [Endpoint, Endpoint];
    pools.coolDown(quota, 429, 20_000);
    expect(quota.isCoolingDown).toBe(false);
    expect(pools.get('api')?.readyEndpoints).toContain(quota);
    // A retry of a request `other` refused does not go to the endpoint whose Retry-After is in force.
    expect(pools.select('api', {}, new Set([other]))?.endpoint).toBe(other);
    expect(coolDowns.events).toEqual([]);
    pools.coolDown(quota, 503, 20_000);
    expect(quota.isCoolingDown).toBe(true);
  });

  it('announces a cool-down (status, Retry-After, duration capped by max_cool_down) and its end', () => {
    const { clock, pools, endpointsOf } = setup({ api: poolSpec(2) });
    const [busy] = endpointsOf('api') as [Endpoint];
    pools.coolDown(busy, 503, 120_000);
    const id = busy.id;
    expect(coolDowns.events).toEqual([
      { pool: 'api', endpoint: id, isCooling: true, status: 503, retryAfterMs: 120_000, durationMs: 60_000 },
    ]);
    clock.advance(60_000);
    expect(busy.isCoolingDown).toBe(false);
    expect(coolDowns.events.at(-1)).toEqual({
      pool: 'api',
      endpoint: id,
      isCooling: false,
      status: 0,
      retryAfterMs: 0,
      durationMs: 0,
    });
    expect(coolDowns.events).toHaveLength(2);
  });

  it('announces the end of a cool-down a reload carried over once, from the new pools', () => {
    const before = setup({ api: poolSpec(2) });
    before.pools.coolDown(before.endpointsOf('api')[0]!, 429, 10_000);
    const after = PoolSet.fromSpecs(
      { api: poolSpec(2) },
      {
        clock: before.clock,
        random: () => 0.5,
        healthProbeFor: scriptedProbe().healthProbeFor,
        balancerFor: () => recordingBalancer(),
      },
    );
    after.get('api')?.continueFrom(before.pools.get('api')!);
    before.pools.retire();
    before.clock.advance(10_000);
    expect(coolDowns.events.map((e) => e.isCooling)).toEqual([true, false]);
    expect(after.get('api')?.endpoints[0]?.isCoolingDown).toBe(false);
  });
});
