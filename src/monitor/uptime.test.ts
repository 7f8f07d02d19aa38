import { describe, expect, it } from 'vitest';
import { aliveUntilNow, maxHoldOfMonitor, noDataGapsOf, uptimeOf } from './uptime.ts';

const minute = 60_000;
const window = { fromMs: 0, toMs: 60 * minute };
const aliveAllHour = [{ startedMs: 0, lastAliveMs: 60 * minute }];

describe('uptimeOf (time-weighted)', () => {
  it('weighs each state by how long it held, not by how many results said it', () => {
    // Up for 45 minutes, down for 15: one down result followed by many up ones changes nothing.
    const samples = [
      { atMs: 0, state: 'up' },
      { atMs: 45 * minute, state: 'down' },
      ...Array.from({ length: 15 }, (_, i) => ({ atMs: (45 + i) * minute, state: 'down' })),
    ];
    const uptime = uptimeOf(samples, aliveAllHour, window, 60 * minute);
    expect(uptime.ratio).toBeCloseTo(0.75, 9);
    expect(uptime.noDataMs).toBe(0);
  });

  it('counts the time Bulwark was not running as no data, never as up', () => {
    const samples = [
      { atMs: 0, state: 'up' },
      { atMs: minute, state: 'up' },
      { atMs: 40 * minute, state: 'up' },
    ];
    // Running 0–10 min and 40–60 min; results every minute in reality, here sparse on purpose.
    const alive = [
      { startedMs: 0, lastAliveMs: 10 * minute },
      { startedMs: 40 * minute, lastAliveMs: 60 * minute },
    ];
    const uptime = uptimeOf(samples, alive, window, 30 * minute);
    expect(uptime.upMs).toBe(30 * minute);
    expect(uptime.noDataMs).toBe(30 * minute);
    expect(uptime.ratio).toBe(1);
  });

  it('stops holding a state beyond maxHold when results stop coming', () => {
    const uptime = uptimeOf([{ atMs: 0, state: 'down' }], aliveAllHour, window, 5 * minute);
    expect(uptime.downMs).toBe(5 * minute);
    expect(uptime.noDataMs).toBe(55 * minute);
    expect(uptime.ratio).toBe(0);
  });

  it('takes the state in force at the window start from a sample before it, and excludes paused time', () => {
    const samples = [
      { atMs: -10 * minute, state: 'up' },
      { atMs: 20 * minute, state: 'paused' },
      { atMs: 30 * minute, state: 'up' },
    ];
    const alive = [{ startedMs: -60 * minute, lastAliveMs: 60 * minute }];
    const uptime = uptimeOf(samples, alive, window, 60 * minute);
    expect(uptime).toMatchObject({ upMs: 50 * minute, excludedMs: 10 * minute, noDataMs: 0, ratio: 1 });
  });

  it('counts degraded time as up, and says how much of it was degraded', () => {
    const samples = [
      { atMs: 0, state: 'up' },
      { atMs: 30 * minute, state: 'degraded' },
      { atMs: 40 * minute, state: 'down' },
    ];
    const uptime = uptimeOf(samples, aliveAllHour, window, 60 * minute);
    expect(uptime).toMatchObject({ upMs: 40 * minute, degradedMs: 10 * minute, downMs: 20 * minute });
    expect(uptime.ratio).toBeCloseTo(2 / 3, 9);
  });

  it('has no ratio without observed time', () => {
    expect(uptimeOf([], aliveAllHour, window, minute).ratio).toBeUndefined();
  });
});

describe('noDataGapsOf', () => {
  it('returns the parts of the range no alive interval covers, overlapping intervals merged', () => {
    const alive = [
      { startedMs: 30 * minute, lastAliveMs: 40 * minute },
      { startedMs: 10 * minute, lastAliveMs: 20 * minute },
      { startedMs: 15 * minute, lastAliveMs: 25 * minute },
    ];
    expect(noDataGapsOf(alive, 0, 60 * minute)).toEqual([
      { fromMs: 0, toMs: 10 * minute },
      { fromMs: 25 * minute, toMs: 30 * minute },
      { fromMs: 40 * minute, toMs: 60 * minute },
    ]);
    expect(noDataGapsOf(alive, 12 * minute, 35 * minute)).toEqual([
      { fromMs: 25 * minute, toMs: 30 * minute },
    ]);
    expect(noDataGapsOf([], 0, minute)).toEqual([{ fromMs: 0, toMs: minute }]);
  });
});

describe('aliveUntilNow', () => {
  it('runs the running process’s interval up to now, not one a process stopped seconds ago left', () => {
    const stopped = { startedMs: 0, lastAliveMs: 95_000 };
    const running = { startedMs: 97_000, lastAliveMs: 97_000 };
    expect(aliveUntilNow([stopped, running], 100_000, running.startedMs)).toEqual([
      stopped,
      { startedMs: 97_000, lastAliveMs: 100_000 },
    ]);
  });
});

describe('maxHoldOfMonitor', () => {
  it('holds a heartbeat call until it is late, so a daily job called once is up all day, not 3 minutes', () => {
    const hour = 60 * minute;
    const daily = {
      intervalMs: 60_000,
      check: { kind: 'heartbeat', expectEveryMs: 24 * hour, graceMs: hour },
    } as const;
    const day = { fromMs: 0, toMs: 24 * hour };
    const alive = [{ startedMs: 0, lastAliveMs: 24 * hour }];
    const uptime = uptimeOf([{ atMs: 0, state: 'up' }], alive, day, maxHoldOfMonitor(daily));
    expect(uptime.noDataMs).toBe(0);
    expect(maxHoldOfMonitor({ intervalMs: 30_000, check: { kind: 'tcp', host: '127.0.0.1', port: 9 } })).toBe(
      90_000,
    );
  });
});
