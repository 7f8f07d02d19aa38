import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { channelNames, type EjectionEvent, type Outcome } from '../../core/index.ts';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { captureChannel, outlierSpec } from '../../../test/support/pool-fixtures.ts';
import { Endpoint } from '../endpoint.ts';
import type { OutlierDetectionSpec } from '../spec.ts';
import { OutlierDetector } from './outlier-detector.ts';

// outlierSpec: 3 consecutive failures, base 30 s, max 100 s, 50 % max ejected, decay interval 10 s.
const fail: Outcome = { kind: 'failure', reason: 'status', status: 503, latencyMs: 5 };
const ok: Outcome = { kind: 'success', status: 200, latencyMs: 5 };
const notFound: Outcome = { kind: 'failure', reason: 'status', status: 404, latencyMs: 5 };
const shed: Outcome = { kind: 'rejected', reason: 'shed' };

function setup(count = 4, spec: OutlierDetectionSpec = outlierSpec) {
  const clock = new FakeClock();
  const endpoints = Array.from(
    { length: count },
    (_, i) => new Endpoint('api', { url: `http://10.0.0.${i + 1}`, weight: 1, drain: false }),
  );
  let changes = 0;
  const detector = new OutlierDetector('api', endpoints, spec, { clock, onChange: () => (changes += 1) });
  const failTimes = (endpoint: Endpoint, times: number): void => {
    for (let i = 0; i < times; i += 1) detector.recordOutcome(endpoint, fail);
  };
  return { clock, endpoints, detector, failTimes, changes: () => changes };
}

let ejections: ReturnType<typeof captureChannel<EjectionEvent>>;
beforeEach(() => {
  ejections = captureChannel<EjectionEvent>(channelNames.ejection);
});
afterEach(() => ejections.stop());

describe('OutlierDetector', () => {
  it('ejects after exactly consecutiveFailures upstream failures, for baseEjectionMs', () => {
    const { clock, endpoints, detector, failTimes, changes } = setup();
    const [a] = endpoints as [Endpoint];
    failTimes(a, 2);
    expect(a.isEjected).toBe(false);
    detector.recordOutcome(a, fail);
    expect(a.isEjected).toBe(true);
    expect(a.isReady).toBe(false);
    expect(a.ejectedUntilMs).toBe(clock.nowMs() + 30_000);
    expect(changes()).toBe(1);
    expect(ejections.events).toEqual([
      {
        pool: 'api',
        endpoint: '10.0.0.1',
        isEjected: true,
        isRefused: false,
        durationMs: 30_000,
        reason: '3 consecutive upstream failures',
      },
    ]);
    clock.advance(29_999);
    expect(a.isEjected).toBe(true);
    clock.advance(1);
    expect(a.isEjected).toBe(false);
    expect(a.ejectedUntilMs).toBe(0);
    expect(ejections.events.at(-1)).toMatchObject({
      isEjected: false,
      durationMs: 0,
      reason: 'ejection time elapsed',
    });
    expect(changes()).toBe(2);
  });

  it('counts timeouts, connect failures and resets; a success or a 4xx resets the run; local rejections are ignored', () => {
    const { endpoints, detector, failTimes } = setup();
    const [a] = endpoints as [Endpoint];
    failTimes(a, 2);
    detector.recordOutcome(a, ok);
    failTimes(a, 2);
    detector.recordOutcome(a, notFound);
    failTimes(a, 2);
    expect(a.isEjected).toBe(false);
    detector.recordOutcome(a, shed);
    detector.recordOutcome(a, { kind: 'timeout', phase: 'first_byte', latencyMs: 1_000 });
    expect(a.isEjected).toBe(true);

    const [, b] = endpoints as [Endpoint, Endpoint];
    detector.recordOutcome(b, { kind: 'failure', reason: 'connect', latencyMs: 1 });
    detector.recordOutcome(b, { kind: 'failure', reason: 'reset', latencyMs: 1 });
    detector.recordOutcome(b, fail);
    expect(b.isEjected).toBe(true);
  });

  it('grows each ejection by base × k and caps it at maxEjectionMs', () => {
    const { clock, endpoints, failTimes } = setup();
    const [a] = endpoints as [Endpoint];
    const durationsMs: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      failTimes(a, 3);
      durationsMs.push(a.ejectedUntilMs - clock.nowMs());
      // Returning and failing again at once leaves no time for k to decay.
      clock.advance(a.ejectedUntilMs - clock.nowMs());
    }
    expect(durationsMs).toEqual([30_000, 60_000, 90_000, 100_000, 100_000]);
    expect(ejections.events.filter((e) => e.isEjected).map((e) => e.durationMs)).toEqual(durationsMs);
  });

  it('decays k by one per intervalMs while the endpoint is back in', () => {
    const { clock, endpoints, detector, failTimes } = setup();
    const [a] = endpoints as [Endpoint];
    failTimes(a, 3);
    clock.advance(30_000);
    failTimes(a, 3);
    clock.advance(60_000);
    expect(detector.multiplierOf(a)).toBe(2);
    clock.advance(9_999);
    expect(detector.multiplierOf(a)).toBe(2);
    clock.advance(1);
    expect(detector.multiplierOf(a)).toBe(1);
    // k = 1 now, so the next ejection is base × 2, not base × 3.
    failTimes(a, 3);
    expect(a.ejectedUntilMs - clock.nowMs()).toBe(60_000);
    // No decay while ejected: 60 s of ejection leave k at 2.
    clock.advance(60_000);
    expect(detector.multiplierOf(a)).toBe(2);
    clock.advance(20_000);
    expect(detector.multiplierOf(a)).toBe(0);
    failTimes(a, 3);
    expect(a.ejectedUntilMs - clock.nowMs()).toBe(30_000);
  });

  it('refuses an ejection past floor(maxEjectedFraction × size), reports it, and allows it once one returns', () => {
    const { clock, endpoints, detector, failTimes } = setup(5);
    const [a, b, c] = endpoints as [Endpoint, Endpoint, Endpoint];
    failTimes(a, 3);
    clock.advance(1_000);
    failTimes(b, 3);
    failTimes(c, 3);
    expect([a.isEjected, b.isEjected, c.isEjected]).toEqual([true, true, false]);
    expect(detector.refusedEjections).toBe(1);
    expect(ejections.events.at(-1)).toEqual({
      pool: 'api',
      endpoint: '10.0.0.3',
      isEjected: false,
      isRefused: true,
      durationMs: 0,
      reason:
        'refused: 3 consecutive upstream failures; 2 already ejected, max ejected fraction 0.5 allows 2 of 5',
    });
    // A refusal resets the run: the next attempt (and event) comes after another full run, not per request.
    failTimes(c, 2);
    expect(detector.refusedEjections).toBe(1);
    clock.advance(29_000);
    expect(a.isEjected).toBe(false);
    failTimes(c, 1);
    expect(c.isEjected).toBe(true);
  });

  it.each([
    [1, 1.0, 'the last endpoint in rotation is never ejected'],
    [1, 0.5, 'max ejected fraction 0.5 allows 0 of 1'],
    [2, 1.0, 'the last endpoint in rotation is never ejected'],
  ])('never ejects the last endpoint in (%i endpoints, fraction %d)', (count, fraction, rule) => {
    const { endpoints, detector, failTimes } = setup(count, { ...outlierSpec, maxEjectedFraction: fraction });
    for (const endpoint of endpoints) failTimes(endpoint, 3);
    expect(endpoints.filter((e) => e.isEjected)).toHaveLength(count - 1);
    expect(detector.refusedEjections).toBe(1);
    expect(ejections.events.at(-1)?.reason).toMatch(new RegExp(`^refused: .*, ${rule}$`));
  });

  it('counts unhealthy, cooling and draining endpoints as out of rotation: the last one serving stays', () => {
    const { endpoints, detector, failTimes } = setup(4, { ...outlierSpec, maxEjectedFraction: 1 });
    const [a, b, c, d] = endpoints as [Endpoint, Endpoint, Endpoint, Endpoint];
    a.isHealthy = false;
    b.coolingUntilMs = 5_000;
    c.adminState = 'draining';
    failTimes(d, 3);
    expect(d.isEjected).toBe(false);
    expect(detector.refusedEjections).toBe(1);
    expect(ejections.events.at(-1)?.reason).toMatch(/the last endpoint in rotation is never ejected$/);
  });

  it('with a failover pool, ejects every endpoint, so that passive detection alone fails the pool over', () => {
    const clock = new FakeClock();
    const endpoints = [1, 2, 3, 4].map(
      (i) => new Endpoint('api', { url: `http://10.0.0.${i}`, weight: 1, drain: false }),
    );
    const spec = { ...outlierSpec, maxEjectedFraction: 0.25 };
    const detector = new OutlierDetector('api', endpoints, spec, { clock, mayEjectAll: true });
    for (const endpoint of endpoints) for (let i = 0; i < 3; i++) detector.recordOutcome(endpoint, fail);
    expect(endpoints.every((endpoint) => endpoint.isEjected)).toBe(true);
    expect(detector.refusedEjections).toBe(0);
  });

  it('uneject() returns an ejected endpoint at once and cancels its timer (active check passed)', () => {
    const { clock, endpoints, detector, failTimes } = setup();
    const [a, b] = endpoints as [Endpoint, Endpoint];
    failTimes(a, 3);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(5_000);
    detector.uneject(a);
    expect(a.isEjected).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    expect(ejections.events.at(-1)).toMatchObject({
      endpoint: '10.0.0.1',
      isEjected: false,
      reason: 'active health check passed',
    });
    detector.uneject(b);
    expect(ejections.events).toHaveLength(2);
    // Back in after 5 s, k is still 1: the next ejection doubles.
    failTimes(a, 3);
    expect(a.ejectedUntilMs - clock.nowMs()).toBe(60_000);
  });

  it('ignores outcomes of an ejected endpoint and counts ejections per endpoint', () => {
    const { clock, endpoints, detector, failTimes } = setup();
    const [a, b] = endpoints as [Endpoint, Endpoint];
    failTimes(a, 3);
    const untilMs = a.ejectedUntilMs;
    failTimes(a, 6);
    expect(a.ejectedUntilMs).toBe(untilMs);
    clock.advance(30_000);
    failTimes(a, 3);
    expect(detector.ejectionsOf(a)).toBe(2);
    expect(detector.ejectionsOf(b)).toBe(0);
  });

  it('stop() cancels return timers and ignores later outcomes', () => {
    const { clock, endpoints, detector, failTimes } = setup();
    const [a, b] = endpoints as [Endpoint, Endpoint];
    failTimes(a, 3);
    detector.stop();
    expect(clock.pendingTimers).toBe(0);
    failTimes(b, 3);
    expect(b.isEjected).toBe(false);
  });
});
