import { describe, expect, it } from 'vitest';
import { summarizeHistory, type HistoryPieces } from './history-summary.ts';
import { LatencySketch } from './latency-sketch.ts';
import type { Rollup, RollupResolution, RollupSample } from './rollup.ts';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const midnight = 1_700_000_000_000 - (1_700_000_000_000 % day); // a UTC midnight: day 0
const dayStart = (d: number) => midnight + d * day;
const nowMs = midnight + 6 * hour; // 06:00 on day 0
const maxHoldMs = 3 * minute;
const aliveAlong = [{ startedMs: dayStart(-120), lastAliveMs: nowMs }];

function row(resolution: RollupResolution, startMs: number, upHours: number, downHours: number): Rollup {
  const periodMs = resolution === 'day' ? day : hour;
  return {
    monitorId: 'api',
    resolution,
    startMs,
    count: 0,
    failures: 0,
    upMs: upHours * hour,
    degradedMs: 0,
    downMs: downHours * hour,
    otherMs: 0,
    noDataMs: periodMs - (upHours + downHours) * hour,
    sketch: new LatencySketch().toBytes(),
  };
}

/** Day 0: down 02:00–02:30 and 05:30–05:45. Days -7..-1: down 00:00–02:00. Days -30..-8: down 00:00–01:00. */
function stateAt(atMs: number): string {
  const d = Math.floor((atMs - midnight) / day);
  const hourOfDay = (atMs - dayStart(d)) / hour;
  if (d === 0)
    return (hourOfDay >= 2 && hourOfDay < 2.5) || (hourOfDay >= 5.5 && hourOfDay < 5.75) ? 'down' : 'up';
  if (d >= -7) return hourOfDay < 2 ? 'down' : 'up';
  if (d >= -30) return hourOfDay < 1 ? 'down' : 'up';
  return 'up';
}

/** The rows and results the stores would give at 06:00, rolled up to 05:00 and days to midnight. */
function history(): HistoryPieces {
  const days: Rollup[] = [];
  for (let d = -90; d <= -1; d++) {
    const downHours = d >= -7 ? 2 : d >= -30 ? 1 : 0;
    days.push(row('day', dayStart(d), 24 - downHours, downHours));
  }
  const hours: Rollup[] = [];
  for (let startMs = dayStart(-8); startMs < midnight + 5 * hour; startMs += hour) {
    const downHours = startMs === midnight + 2 * hour ? 0.5 : stateAt(startMs) === 'down' ? 1 : 0;
    hours.push(row('hour', startMs, 1 - downHours, downHours));
  }
  const rawFromMs = nowMs - day;
  const results: RollupSample[] = [];
  for (let atMs = rawFromMs - maxHoldMs; atMs < nowMs; atMs += minute)
    results.push({ atMs, state: stateAt(atMs), ok: stateAt(atMs) !== 'down', responseTimeMs: 10 });
  return { days, hours, results, rawFromMs, alive: aliveAlong };
}

describe('summarizeHistory', () => {
  it('takes 24 hours from raw results', () => {
    // From 06:00 yesterday: up but for 30 + 15 minutes this morning.
    expect(summarizeHistory(history(), nowMs, maxHoldMs).uptime['24h']).toBeCloseTo(23.25 / 24, 12);
  });

  it('takes 7 days from the hours in the window, then raw results after the last hour, each moment once', () => {
    // Hours from 06:00 seven days ago: 18 h up that day, then six days of 22 up / 2 down, then today's
    // 00:00–05:00 (30 min down). Raw results hold 05:00–06:00 (15 min down); 04:00–05:00 are in both.
    const upHours = 18 + 6 * 22 + 4.5 + 0.75;
    expect(summarizeHistory(history(), nowMs, maxHoldMs).uptime['7d']).toBeCloseTo(upHours / 168, 12);
  });

  it('takes 30 and 90 days from whole UTC days in the window, then hours after the last day, then raw', () => {
    const { uptime } = summarizeHistory(history(), nowMs, maxHoldMs);
    // The 30 days start at 06:00 on day -30: days -29..-1 count, day -30 does not (rounded up to the day).
    const today = { up: 4.5 + 0.75, down: 0.5 + 0.25 };
    const up30 = 22 * 23 + 7 * 22 + today.up;
    const down30 = 22 * 1 + 7 * 2 + today.down;
    expect(up30 + down30).toBe(29 * 24 + 6);
    expect(uptime['30d']).toBeCloseTo(up30 / (up30 + down30), 12);
    const up90 = 59 * 24 + 23 + up30;
    const down90 = 1 + down30;
    expect(up90 + down90).toBe(89 * 24 + 6);
    expect(uptime['90d']).toBeCloseTo(up90 / (up90 + down90), 12);
  });

  it('never counts time without data as up, nor as down', () => {
    // Yesterday: up 6 h, no data (Bulwark stopped) 18 h. The day before: down all day.
    const pieces: HistoryPieces = {
      days: [row('day', dayStart(-2), 0, 24), row('day', dayStart(-1), 6, 0)],
      hours: [],
      results: [],
      rawFromMs: nowMs - day,
      alive: [],
    };
    const { uptime } = summarizeHistory(pieces, nowMs, maxHoldMs);
    expect(uptime['30d']).toBeCloseTo(6 / 30, 12);
    expect(uptime['24h']).toBeNull();
    expect(uptime['7d']).toBeNull();
    const nothing = summarizeHistory({ ...pieces, days: [] }, nowMs, maxHoldMs);
    expect(nothing.uptime).toEqual({ '24h': null, '7d': null, '30d': null, '90d': null });
  });

  it('reads every window from raw results while nothing is rolled up yet', () => {
    // A fresh install: two hours of results, the second down.
    const results = [
      { atMs: nowMs - 2 * hour, state: 'up', ok: true, responseTimeMs: 10 },
      { atMs: nowMs - hour, state: 'down', ok: false, responseTimeMs: 10 },
    ];
    const pieces = { days: [], hours: [], results, rawFromMs: nowMs - 7 * day, alive: aliveAlong };
    const { uptime } = summarizeHistory(pieces, nowMs, 2 * hour);
    expect(uptime).toEqual({ '24h': 0.5, '7d': 0.5, '30d': 0.5, '90d': 0.5 });
  });

  it("reports latency percentiles of the last 24 hours' successful checks", () => {
    const results = [
      { atMs: nowMs - day - 1, state: 'up', ok: true, responseTimeMs: 1_000 },
      ...Array.from({ length: 100 }, (_, i) => ({
        atMs: nowMs - day + i * minute,
        state: 'up',
        ok: true,
        responseTimeMs: i + 1,
      })),
      { atMs: nowMs - minute, state: 'down', ok: false, responseTimeMs: 5_000 },
    ];
    const pieces = { days: [], hours: [], results, rawFromMs: nowMs - day, alive: aliveAlong };
    expect(summarizeHistory(pieces, nowMs, maxHoldMs).latencyMs).toEqual({ p50: 51, p95: 96, p99: 100 });
    expect(summarizeHistory({ ...pieces, results: [] }, nowMs, maxHoldMs).latencyMs).toEqual({
      p50: null,
      p95: null,
      p99: null,
    });
  });
});
