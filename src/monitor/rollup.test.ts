import { describe, expect, it } from 'vitest';
import { LatencySketch } from './latency-sketch.ts';
import {
  latencyOfRollups,
  mergeRollups,
  periodStartOf,
  resolutionMs,
  rollupResults,
  uptimeOfRollups,
  type Rollup,
  type RollupSample,
} from './rollup.ts';
import { uptimeOf } from './uptime.ts';

const s = 1_000;
const minute = 60 * s;
const hour = 60 * minute;
const t0 = 1_700_000_000_000 - (1_700_000_000_000 % (24 * hour)); // a UTC midnight
const aliveAllDay = [{ startedMs: t0 - hour, lastAliveMs: t0 + 25 * hour }];

function sample(atMs: number, state: string, responseTimeMs = 20, ok = state !== 'down'): RollupSample {
  return { atMs, state, ok, responseTimeMs };
}

describe('rollupResults', () => {
  it('splits a minute by state at the change, counting results and failures inside it', () => {
    const samples = [
      sample(t0 - 10 * s, 'up', 30), // before the minute: gives the state at its start, not counted
      sample(t0 + 20 * s, 'degraded', 900),
      sample(t0 + 40 * s, 'down', 5_000),
      sample(t0 + 50 * s, 'down', 5_000),
    ];
    const rollup = rollupResults('api', samples, aliveAllDay, t0, 'minute', 3 * minute);
    expect(rollup).toMatchObject({
      monitorId: 'api',
      resolution: 'minute',
      startMs: t0,
      count: 3,
      failures: 2,
      upMs: 20 * s,
      degradedMs: 20 * s,
      downMs: 20 * s,
      otherMs: 0,
      noDataMs: 0,
    });
    const latency = LatencySketch.fromBytes(rollup.sketch);
    expect(latency.count).toBe(1); // only the successful check's latency
    expect(latency.quantile(0.5)).toBeCloseTo(900, -2);
  });

  it('counts a gap while Bulwark was down as no data, and paused time as other', () => {
    const alive = [
      { startedMs: t0 - hour, lastAliveMs: t0 + 15 * s },
      { startedMs: t0 + 45 * s, lastAliveMs: t0 + hour },
    ];
    const samples = [sample(t0 + 5 * s, 'up'), sample(t0 + 45 * s, 'up'), sample(t0 + 50 * s, 'paused')];
    const rollup = rollupResults('api', samples, alive, t0, 'minute', 3 * minute);
    expect(rollup).toMatchObject({ count: 3, upMs: 15 * s, otherMs: 10 * s, noDataMs: 35 * s });
  });

  it('stops holding a state beyond maxHoldMs, and holds nothing for a result outside every alive interval', () => {
    const held = rollupResults('api', [sample(t0 - 50 * s, 'down')], aliveAllDay, t0, 'minute', minute);
    expect(held).toMatchObject({ count: 0, downMs: 10 * s, noDataMs: 50 * s });
    const stray = rollupResults('api', [sample(t0 + 10 * s, 'up')], [], t0, 'minute', minute);
    expect(stray).toMatchObject({ count: 1, upMs: 0, noDataMs: minute });
  });

  it('agrees with uptimeOf minute by minute on random histories', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const states = ['up', 'up', 'up', 'degraded', 'down', 'paused', 'unknown'];
    const samples: RollupSample[] = [];
    for (let atMs = t0 - 5 * minute; atMs < t0 + hour; atMs += Math.floor(random() * 90 * s))
      samples.push(sample(atMs, states[Math.floor(random() * states.length)]!));
    const alive = [
      { startedMs: t0 - 10 * minute, lastAliveMs: t0 + 17 * minute + 3 * s },
      { startedMs: t0 + 31 * minute, lastAliveMs: t0 + 2 * hour },
    ];
    for (let startMs = t0; startMs < t0 + hour; startMs += minute) {
      const rollup = rollupResults('api', samples, alive, startMs, 'minute', 2 * minute);
      const uptime = uptimeOf(samples, alive, { fromMs: startMs, toMs: startMs + minute }, 2 * minute);
      expect(rollup.upMs + rollup.degradedMs).toBe(uptime.upMs);
      expect(rollup.downMs).toBe(uptime.downMs);
      expect(rollup.otherMs).toBe(uptime.excludedMs);
      expect(rollup.noDataMs).toBe(uptime.noDataMs);
    }
  });
});

describe('mergeRollups', () => {
  const minutes = Array.from({ length: 60 }, (_, i) => {
    const samples = [sample(t0 + i * minute, i === 10 ? 'down' : 'up', 10 + i)];
    return rollupResults('api', samples, aliveAllDay, t0 + i * minute, 'minute', 3 * minute);
  });

  it('makes an hour of 60 minutes the sum of them, sketches merged', () => {
    const hourRollup = mergeRollups(minutes, 'hour');
    expect(hourRollup).toMatchObject({
      monitorId: 'api',
      resolution: 'hour',
      startMs: t0,
      count: 60,
      failures: 1,
      upMs: 59 * minute,
      downMs: minute,
      noDataMs: 0,
    });
    const latency = LatencySketch.fromBytes(hourRollup.sketch);
    expect(latency.count).toBe(59);
    expect(hourRollup.sketch).toEqual(latencyOfRollups(minutes).toBytes());
    expect(uptimeOfRollups([hourRollup])).toBeCloseTo(59 / 60, 12);
    expect(uptimeOfRollups(minutes)).toBeCloseTo(59 / 60, 12);
  });

  it('counts missing minutes as no data', () => {
    const hourRollup = mergeRollups(minutes.slice(30, 45), 'hour');
    expect(hourRollup).toMatchObject({ startMs: t0, count: 15, upMs: 15 * minute, noDataMs: 45 * minute });
  });

  it('makes a day of hours', () => {
    const hours: Rollup[] = Array.from({ length: 24 }, (_, i) => ({
      ...mergeRollups(minutes, 'hour'),
      startMs: t0 + i * hour,
    }));
    const day = mergeRollups(hours, 'day');
    expect(day).toMatchObject({ startMs: t0, count: 24 * 60, upMs: 24 * 59 * minute, downMs: 24 * minute });
    expect(day.noDataMs).toBe(0);
    expect(LatencySketch.fromBytes(day.sketch).count).toBe(24 * 59);
  });

  it('refuses rollups of different monitors, periods or too coarse a resolution', () => {
    expect(() => mergeRollups([], 'hour')).toThrow(RangeError);
    expect(() => mergeRollups([minutes[0]!, { ...minutes[1]!, monitorId: 'db' }], 'hour')).toThrow(
      RangeError,
    );
    expect(() => mergeRollups([minutes[0]!, { ...minutes[1]!, startMs: t0 + hour }], 'hour')).toThrow(
      RangeError,
    );
    expect(() => mergeRollups([mergeRollups(minutes, 'hour')], 'hour')).toThrow(RangeError);
  });
});

describe('uptimeOfRollups', () => {
  it('is (up + degraded) / (up + degraded + down), undefined without observed time', () => {
    const base = mergeRollups([rollupResults('api', [], aliveAllDay, t0, 'minute', minute)], 'hour');
    expect(uptimeOfRollups([base])).toBeUndefined();
    expect(uptimeOfRollups([{ ...base, upMs: 30, degradedMs: 10, downMs: 10, otherMs: 50 }])).toBe(0.8);
  });
});

describe('periodStartOf', () => {
  it('floors to the minute, hour and UTC day', () => {
    const atMs = t0 + 5 * hour + 7 * minute + 9 * s;
    expect(periodStartOf(atMs, 'minute')).toBe(t0 + 5 * hour + 7 * minute);
    expect(periodStartOf(atMs, 'hour')).toBe(t0 + 5 * hour);
    expect(periodStartOf(atMs, 'day')).toBe(t0);
    expect(resolutionMs.day).toBe(24 * hour);
  });
});
