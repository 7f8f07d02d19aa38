import { describe, expect, it } from 'vitest';
import { dailyHistoryOf, type DailyHistory, type MonitorDay } from './daily-history.ts';
import type { MonitorState } from './monitor-state.ts';
import { mergeRollups, rollupResults, type Rollup, type RollupSample } from './rollup.ts';
import { maxHoldOf, type AliveInterval } from './uptime.ts';

const s = 1_000;
const minute = 60 * s;
const hour = 60 * minute;
const day = 24 * hour;

const todayMs = Date.UTC(2026, 10, 20);
const yesterdayMs = todayMs - day;
const firstDayMs = todayMs - 2 * day;
// The last check of today ran at 14:05:00; three days are shown, the first one oldest.
const nowMs = todayMs + 14 * hour + 5 * minute + 30 * s;
const maxHoldMs = maxHoldOf(minute);
// readDailyHistory stretches a running Bulwark's last touch to now.
const runningSinceBefore: readonly AliveInterval[] = [{ startedMs: firstDayMs - day, lastAliveMs: nowMs }];

/** One check a minute in [fromMs, toMs), each reporting `state`. */
function checks(fromMs: number, toMs: number, state: MonitorState, ok = state !== 'down'): RollupSample[] {
  const samples: RollupSample[] = [];
  for (let atMs = fromMs; atMs < toMs; atMs += minute) samples.push({ atMs, state, ok, responseTimeMs: 40 });
  return samples;
}

/** The raw path: no rollups, every day from results alone. */
function historyOf(
  results: readonly RollupSample[],
  pieces: {
    readonly days?: readonly Rollup[];
    readonly hours?: readonly Rollup[];
    readonly minutes?: readonly Rollup[];
    readonly rawFromMs?: number;
    readonly alive?: readonly AliveInterval[];
  } = {},
): DailyHistory {
  return dailyHistoryOf(
    {
      days: pieces.days ?? [],
      hours: pieces.hours ?? [],
      minutes: pieces.minutes ?? [],
      results,
      rawFromMs: pieces.rawFromMs ?? firstDayMs,
      alive: pieces.alive ?? runningSinceBefore,
    },
    nowMs,
    { dayCount: 3, maxHoldMs },
  );
}

function dayOf(history: DailyHistory, startMs: number): MonitorDay | undefined {
  return history.days.find((d) => d.startMs === startMs);
}

/** Hour rollups of [fromMs, toMs) as the rollup job makes them: minutes first, merged into hours. */
function hourRollupsOf(
  results: readonly RollupSample[],
  alive: readonly AliveInterval[],
  fromMs: number,
  toMs: number,
): Rollup[] {
  const hours: Rollup[] = [];
  for (let hourMs = fromMs; hourMs < toMs; hourMs += hour) {
    const minutes: Rollup[] = [];
    for (let minuteMs = hourMs; minuteMs < hourMs + hour; minuteMs += minute)
      minutes.push(rollupResults('api', results, alive, minuteMs, 'minute', maxHoldMs));
    hours.push(mergeRollups(minutes, 'hour'));
  }
  return hours;
}

describe('dailyHistoryOf', () => {
  it('lays out dayCount UTC days, oldest first, ending today', () => {
    expect(historyOf([]).days.map((d) => d.startMs)).toEqual([firstDayMs, yesterdayMs, todayMs]);
  });

  it('counts a maintenance stretch between up checks as excluded, neither up nor down', () => {
    const results = [
      ...checks(yesterdayMs, yesterdayMs + 10 * hour, 'up'),
      ...checks(yesterdayMs + 10 * hour, yesterdayMs + 12 * hour, 'maintenance'),
      ...checks(yesterdayMs + 12 * hour, todayMs, 'up'),
    ];
    expect(dayOf(historyOf(results), yesterdayMs)).toEqual({
      startMs: yesterdayMs,
      upMs: 22 * hour,
      degradedMs: 0,
      downMs: 0,
      excludedMs: 2 * hour,
    });
  });

  it('counts checks that failed during maintenance as excluded, not down, from results and rollups alike', () => {
    const results = [
      ...checks(yesterdayMs, yesterdayMs + 10 * hour, 'up'),
      ...checks(yesterdayMs + 10 * hour, yesterdayMs + 12 * hour, 'maintenance', false),
      ...checks(yesterdayMs + 12 * hour, todayMs, 'up'),
    ];
    const expected = {
      startMs: yesterdayMs,
      upMs: 22 * hour,
      degradedMs: 0,
      downMs: 0,
      excludedMs: 2 * hour,
    };
    expect(dayOf(historyOf(results), yesterdayMs)).toEqual(expected);

    const hours = hourRollupsOf(results, runningSinceBefore, yesterdayMs, todayMs);
    // The failures are on record, but their time is held by the maintenance state.
    expect(hours[10]).toMatchObject({ count: 60, failures: 60, downMs: 0, otherMs: hour });
    const fromDayRollup = historyOf([], { days: [mergeRollups(hours, 'day')], rawFromMs: todayMs });
    expect(dayOf(fromDayRollup, yesterdayMs)).toEqual(expected);
  });

  it('counts an outage outside maintenance as down', () => {
    const results = [
      ...checks(yesterdayMs, yesterdayMs + 9 * hour, 'up'),
      ...checks(yesterdayMs + 9 * hour, yesterdayMs + 10 * hour, 'down'),
      ...checks(yesterdayMs + 10 * hour, yesterdayMs + 12 * hour, 'maintenance', false),
      ...checks(yesterdayMs + 12 * hour, todayMs, 'up'),
    ];
    expect(dayOf(historyOf(results), yesterdayMs)).toEqual({
      startMs: yesterdayMs,
      upMs: 21 * hour,
      degradedMs: 0,
      downMs: hour,
      excludedMs: 2 * hour,
    });
  });

  it('splits a maintenance window over midnight between the two days', () => {
    const results = [
      ...checks(yesterdayMs, yesterdayMs + 22 * hour, 'up'),
      ...checks(yesterdayMs + 22 * hour, todayMs + 2 * hour, 'maintenance'),
      ...checks(todayMs + 2 * hour, nowMs, 'up'),
    ];
    const history = historyOf(results);
    expect(dayOf(history, yesterdayMs)).toMatchObject({ upMs: 22 * hour, downMs: 0, excludedMs: 2 * hour });
    expect(dayOf(history, todayMs)).toMatchObject({
      upMs: nowMs - todayMs - 2 * hour,
      downMs: 0,
      excludedMs: 2 * hour,
    });
  });

  it('leaves a day without results while Bulwark was not running at zero: no data', () => {
    // Bulwark stopped at the first day's midnight and started again a day later.
    const alive = [
      { startedMs: firstDayMs - day, lastAliveMs: firstDayMs },
      { startedMs: yesterdayMs, lastAliveMs: nowMs },
    ];
    // The last result before the stop would hold three minutes into the day, but not past the stop.
    const results = [...checks(firstDayMs - hour, firstDayMs, 'up'), ...checks(yesterdayMs, nowMs, 'up')];
    const history = historyOf(results, { alive });
    expect(dayOf(history, firstDayMs)).toEqual({
      startMs: firstDayMs,
      upMs: 0,
      degradedMs: 0,
      downMs: 0,
      excludedMs: 0,
    });
    expect(dayOf(history, yesterdayMs)).toMatchObject({ upMs: day });
  });

  it('counts today only up to now', () => {
    // The alive interval reaches past now here, so only the day's end at now can stop the last check
    // (14:05:00) from holding its full three minutes.
    const alive = [{ startedMs: firstDayMs - day, lastAliveMs: nowMs + hour }];
    const history = historyOf(checks(yesterdayMs, nowMs, 'up'), { alive });
    const today = dayOf(history, todayMs);
    expect(today).toEqual({
      startMs: todayMs,
      upMs: nowMs - todayMs,
      degradedMs: 0,
      downMs: 0,
      excludedMs: 0,
    });
  });

  it('gives the same day from a day rollup, from hour rollups plus results, and from results alone', () => {
    // Up, degraded, down, maintenance with failing checks, and half an hour Bulwark was not running.
    const alive = [
      { startedMs: firstDayMs - day, lastAliveMs: yesterdayMs + 13 * hour },
      { startedMs: yesterdayMs + 13.5 * hour, lastAliveMs: nowMs },
    ];
    const results = [
      ...checks(yesterdayMs, yesterdayMs + 6 * hour, 'up'),
      ...checks(yesterdayMs + 6 * hour, yesterdayMs + 7 * hour, 'degraded'),
      ...checks(yesterdayMs + 7 * hour, yesterdayMs + 8 * hour, 'down'),
      ...checks(yesterdayMs + 8 * hour, yesterdayMs + 10 * hour, 'maintenance', false),
      ...checks(yesterdayMs + 10 * hour, yesterdayMs + 13 * hour, 'up'),
      ...checks(yesterdayMs + 13.5 * hour, nowMs, 'up'),
    ];
    const hours = hourRollupsOf(results, alive, yesterdayMs, todayMs);

    const fromDayRollup = historyOf([], { days: [mergeRollups(hours, 'day')], rawFromMs: todayMs, alive });
    const fromHoursAndResults = historyOf(results, {
      hours: hours.slice(0, 12),
      rawFromMs: yesterdayMs + 12 * hour,
      alive,
    });
    const fromResults = historyOf(results, { alive });

    const rolled = dayOf(fromDayRollup, yesterdayMs);
    expect(rolled).toEqual({
      startMs: yesterdayMs,
      upMs: 19.5 * hour,
      degradedMs: hour,
      downMs: hour,
      excludedMs: 2 * hour,
    });
    expect(dayOf(fromHoursAndResults, yesterdayMs)).toEqual(rolled);
    expect(dayOf(fromResults, yesterdayMs)).toEqual(rolled);
  });

  it('gives today the same from hours, the minute rollups after them and results, as from hours and results', () => {
    // 14:05:30 now; hours up to 13:00, then minutes up to 14:05; an outage, failing maintenance and a slow
    // spell in between.
    const results = [
      ...checks(todayMs, todayMs + 13 * hour + 20 * minute, 'up'),
      ...checks(todayMs + 13 * hour + 20 * minute, todayMs + 13 * hour + 35 * minute, 'down'),
      ...checks(todayMs + 13 * hour + 35 * minute, todayMs + 13 * hour + 50 * minute, 'maintenance', false),
      ...checks(todayMs + 13 * hour + 50 * minute, todayMs + 14 * hour, 'up'),
      ...checks(todayMs + 14 * hour, todayMs + 14 * hour + 4 * minute, 'degraded'),
      ...checks(todayMs + 14 * hour + 4 * minute, nowMs, 'up'),
    ];
    const hours = hourRollupsOf(results, runningSinceBefore, todayMs, todayMs + 13 * hour);
    const minutes: Rollup[] = [];
    for (let atMs = todayMs + 13 * hour; atMs < todayMs + 14 * hour + 5 * minute; atMs += minute)
      minutes.push(rollupResults('api', results, runningSinceBefore, atMs, 'minute', maxHoldMs));

    const fromMinutes = historyOf(results, { hours, minutes, rawFromMs: todayMs + 14 * hour + 5 * minute });
    const fromHours = historyOf(results, { hours, rawFromMs: todayMs + 13 * hour });
    const today = dayOf(fromHours, todayMs);
    expect(today).toMatchObject({ downMs: 15 * minute, excludedMs: 15 * minute, degradedMs: 4 * minute });
    expect(dayOf(fromMinutes, todayMs)).toEqual(today);
  });
});
