import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { channelNames, type CoolDownEvent } from '../core/index.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import {
  captureChannel,
  poolSpec,
  recordingBalancer,
  scriptedProbe,
} from '../../test/support/pool-fixtures.ts';
import type { Endpoint } from './endpoint.ts';
import { PoolSet } from './pool-set.ts';
import type { PoolSpec } from './spec.ts';

function setup(spec: PoolSpec) {
  const clock = new FakeClock(0);
  const pools = PoolSet.fromSpecs(
    { api: spec },
    {
      clock,
      random: () => 0.5,
      healthProbeFor: scriptedProbe().healthProbeFor,
      balancerFor: () => recordingBalancer(),
    },
  );
  return { clock, pools, endpoints: [...(pools.get('api')?.endpoints ?? [])] };
}

describe('PoolSet: the last endpoint in rotation kept in spite of its Retry-After', () => {
  let coolDowns: ReturnType<typeof captureChannel<CoolDownEvent>>;
  beforeEach(() => {
    coolDowns = captureChannel<CoolDownEvent>(channelNames.coolDown);
  });
  afterEach(() => coolDowns.stop());

  it('is announced once per (capped) Retry-After period of an overload status, however many it serves', () => {
    const { clock, pools, endpoints } = setup(poolSpec(1, { overloadStatuses: [503] }));
    const [last] = endpoints as [Endpoint];
    // A quota 429 outside overload_statuses would not cool it down: nothing was refused.
    pools.coolDown(last, 429, 10_000);
    expect(coolDowns.events).toEqual([]);
    for (let i = 0; i < 5; i++) pools.coolDown(last, 503, 120_000);
    expect(last.isCoolingDown).toBe(false);
    const kept = { pool: 'api', endpoint: last.id, isCooling: false, isKeptLast: true, status: 503 };
    expect(coolDowns.events).toEqual([{ ...kept, retryAfterMs: 120_000, durationMs: 60_000 }]);
    clock.advance(59_999);
    pools.coolDown(last, 503, 120_000);
    expect(coolDowns.events).toHaveLength(1);
    // Past max_cool_down (60 s), the Retry-After it honoured has run out: a new refusal is news again.
    clock.advance(1);
    pools.coolDown(last, 503, 5_000);
    expect(coolDowns.events).toHaveLength(2);
    expect(coolDowns.events[1]).toEqual({ ...kept, retryAfterMs: 5_000, durationMs: 5_000 });
  });
});
