import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { channelNames, type HealthEvent } from '../../core/index.ts';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { advanceSettled, captureChannel, checkSpec } from '../../../test/support/pool-fixtures.ts';
import { Endpoint } from '../endpoint.ts';
import type { HealthCheckSpec } from '../spec.ts';
import { ActiveChecker, type ActiveCheckerDeps } from './active-checker.ts';
import type { Probe } from './health-probe.ts';

// checkSpec: interval 1 s, timeout 500 ms, 2 failures down, 2 passes up.
const endpointAt = (url: string): Endpoint => new Endpoint('api', { url, weight: 1, drain: false });

/** Returns the queued values in order, then 0.5 (no jitter) forever. */
function scriptedRandom(...values: number[]): () => number {
  return () => values.shift() ?? 0.5;
}

function setup(
  probe: Probe,
  options: Partial<ActiveCheckerDeps> & { spec?: HealthCheckSpec; count?: number } = {},
) {
  const clock = new FakeClock(0);
  const endpoints = Array.from({ length: options.count ?? 1 }, (_, i) =>
    endpointAt(`http://10.0.0.${i + 1}`),
  );
  let changes = 0;
  const passed: Endpoint[] = [];
  const checker = new ActiveChecker('api', endpoints, options.spec ?? checkSpec, {
    clock,
    random: options.random ?? scriptedRandom(),
    probe,
    onPass: (endpoint) => passed.push(endpoint),
    onChange: () => (changes += 1),
  });
  return { clock, endpoints, checker, passed, changes: () => changes };
}

let health: ReturnType<typeof captureChannel<HealthEvent>>;
beforeEach(() => {
  health = captureChannel<HealthEvent>(channelNames.health);
});
afterEach(() => health.stop());

describe('ActiveChecker on a fake clock', () => {
  it('starts each endpoint at a random offset within the first interval, then spreads intervals by ±10 %', async () => {
    const callsMs = new Map<string, number[]>();
    const probe: Probe = (endpoint) => {
      callsMs.set(endpoint.id, [...(callsMs.get(endpoint.id) ?? []), clock.nowMs()]);
      return Promise.resolve(true);
    };
    const { clock, checker } = setup(probe, { count: 2, random: scriptedRandom(0.25, 0.75, 0, 0, 0.9999) });
    checker.start();
    await advanceSettled(clock, 3_500);
    const a = callsMs.get('10.0.0.1') ?? [];
    const b = callsMs.get('10.0.0.2') ?? [];
    // The random values are drawn in firing order: a at 250, b at 750, a at 1150, b at 1650.
    expect(a.slice(0, 2)).toEqual([250, 250 + 900]);
    expect((a[2] ?? 0) - (a[1] ?? 0)).toBeCloseTo(1_100, 0);
    expect(b.slice(0, 3)).toEqual([750, 750 + 900, 750 + 900 + 1_000]);
    checker.stop();
  });

  it('goes down after unhealthyThreshold failed checks and up after healthyThreshold passes', async () => {
    let isUp = false;
    const { clock, endpoints, checker, changes } = setup(() => Promise.resolve(isUp));
    const [endpoint] = endpoints as [Endpoint];
    expect(endpoint.isHealthy).toBe(true);
    checker.start();
    await advanceSettled(clock, 500);
    expect(endpoint.isHealthy).toBe(true);
    await advanceSettled(clock, 1_000);
    expect(endpoint.isHealthy).toBe(false);
    expect(changes()).toBe(1);
    expect(health.events).toEqual([
      {
        pool: 'api',
        endpoint: '10.0.0.1',
        isHealthy: false,
        detail: '2 consecutive failed checks; last: unhealthy response',
      },
    ]);
    isUp = true;
    await advanceSettled(clock, 1_000);
    expect(endpoint.isHealthy).toBe(false);
    await advanceSettled(clock, 1_000);
    expect(endpoint.isHealthy).toBe(true);
    expect(health.events.at(-1)).toEqual({
      pool: 'api',
      endpoint: '10.0.0.1',
      isHealthy: true,
      detail: '2 consecutive passed checks',
    });
    expect(changes()).toBe(2);
    checker.stop();
  });

  it('fails a check that exceeds timeoutMs, aborts its signal, and schedules the next after it ends', async () => {
    const signals: AbortSignal[] = [];
    // Ignores its signal on purpose: the checker must still give up on time.
    const hangingProbe: Probe = (_endpoint, signal) => {
      signals.push(signal);
      return new Promise(() => {});
    };
    const spec = { ...checkSpec, unhealthyThreshold: 1 };
    const { clock, endpoints, checker } = setup(hangingProbe, { spec });
    checker.start();
    await advanceSettled(clock, 999);
    expect(endpoints[0]?.isHealthy).toBe(true);
    await advanceSettled(clock, 1);
    expect(endpoints[0]?.isHealthy).toBe(false);
    expect(signals[0]?.aborted).toBe(true);
    expect(health.events[0]?.detail).toBe('1 consecutive failed checks; last: timed out after 500ms');
    await advanceSettled(clock, 999);
    expect(signals).toHaveLength(1);
    await advanceSettled(clock, 1);
    expect(signals).toHaveLength(2);
    checker.stop();
  });

  it('counts a rejected probe as a failure and names the error', async () => {
    const spec = { ...checkSpec, unhealthyThreshold: 1 };
    const { clock, checker } = setup(() => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1:80')), {
      spec,
    });
    checker.start();
    await advanceSettled(clock, 500);
    expect(health.events[0]?.detail).toBe(
      '1 consecutive failed checks; last: connect ECONNREFUSED 10.0.0.1:80',
    );
    checker.stop();
  });

  it('reports every passing check to onPass, so an ejected endpoint can return', async () => {
    const { clock, endpoints, checker, passed } = setup(() => Promise.resolve(true));
    checker.start();
    await advanceSettled(clock, 2_500);
    expect(passed).toEqual([endpoints[0], endpoints[0], endpoints[0]]);
    expect(health.events).toEqual([]);
    checker.stop();
  });

  it('stop() cancels timers and aborts the check in flight; a late answer changes nothing', async () => {
    const signals: AbortSignal[] = [];
    let answer: (ok: boolean) => void = () => {};
    const probe: Probe = (_endpoint, signal) => {
      signals.push(signal);
      return new Promise((resolve) => (answer = resolve));
    };
    const spec = { ...checkSpec, unhealthyThreshold: 1 };
    const { clock, endpoints, checker } = setup(probe, { spec });
    checker.start();
    checker.start();
    await advanceSettled(clock, 600);
    expect(signals).toHaveLength(1);
    checker.stop();
    expect(clock.pendingTimers).toBe(0);
    expect(signals[0]?.aborted).toBe(true);
    answer(false);
    await advanceSettled(clock, 5_000);
    expect(endpoints[0]?.isHealthy).toBe(true);
    expect(signals).toHaveLength(1);
    checker.start();
    expect(clock.pendingTimers).toBe(0);
  });
});
