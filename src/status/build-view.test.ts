import { describe, expect, it } from 'vitest';
import { dailyHistoryOf } from '../monitor/daily-history.ts';
import type { RollupSample } from '../monitor/rollup.ts';
import { baseMs, dayMs, maintenance, page } from './api/fixture.test-support.ts';
import { buildStatusView, type MonitorHistory, type ViewInputs } from './build-view.ts';
import type { LiveComponent } from './live-components.ts';
import type { ComponentView } from './view.ts';

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;
const dayCount = 90;
const nowMs = baseMs; // 21:37:37.407 UTC
const todayMs = Math.floor(nowMs / dayMs) * dayMs;
const yesterdayMs = todayMs - dayMs;

type Times = Pick<MonitorHistory['days'][number], 'upMs' | 'degradedMs' | 'downMs' | 'excludedMs'>;
const nothing: Times = { upMs: 0, degradedMs: 0, downMs: 0, excludedMs: 0 };

/** A monitor's history as the monitoring side hands it over: dayCount days, zero where nothing was seen. */
function historyOf(days: ReadonlyMap<number, Partial<Times>>): MonitorHistory {
  return {
    days: Array.from({ length: dayCount }, (_, i) => {
      const startMs = todayMs - (dayCount - 1 - i) * dayMs;
      return { startMs, ...nothing, ...days.get(startMs) };
    }),
    latency: [],
  };
}

function leaf(id: string, monitors: readonly string[]): LiveComponent {
  return {
    def: {
      id,
      name: id.toUpperCase(),
      description: null,
      position: 1,
      groupId: null,
      isGroup: false,
      childIds: [],
      monitors,
      pools: [],
    },
    status: 'operational',
    derived: 'operational',
  };
}

/** The page as build-view's inputs name it: the fixture's, without the updated_at the view works out. */
const pageInputs: ViewInputs['page'] = {
  id: page.id,
  name: page.name,
  url: page.url,
  timeZone: page.timeZone,
  offersEmail: page.offersEmail,
};

/** The view of one component "api" watched by `histories`' monitors. */
function apiViewOf(histories: Readonly<Record<string, MonitorHistory>>): ComponentView {
  const inputs: ViewInputs = {
    page: pageInputs,
    live: [leaf('api', Object.keys(histories))],
    records: () => undefined,
    incidents: [],
    // The exclusion comes from the monitor's history (its checks carried state maintenance); the
    // maintenance document only put the monitor into that state.
    maintenances: [
      maintenance({
        id: 'upgrade',
        status: 'completed',
        componentIds: ['api'],
        scheduledForMs: yesterdayMs + hourMs,
        scheduledUntilMs: yesterdayMs + 3 * hourMs,
        startedAtMs: yesterdayMs + hourMs,
        completedAtMs: yesterdayMs + 3 * hourMs,
      }),
    ],
    changedAtMs: 0,
    history: (id) => histories[id],
    dayCount,
    nowMs,
  };
  const view = buildStatusView(inputs).components.find((c) => c.id === 'api');
  if (!view) throw new Error('the view has no component api');
  return view;
}

const dateOf = (startMs: number): string => new Date(startMs).toISOString().slice(0, 10);
const dayOf = (view: ComponentView, startMs: number) => view.days.find((d) => d.date === dateOf(startMs));

describe('buildStatusView: uptime with maintenance', () => {
  it('computes a day of 1 h down, 2 h maintenance and 21 h up as 21/22, the maintenance left out', () => {
    const history = historyOf(
      new Map([[yesterdayMs, { upMs: 21 * hourMs, downMs: hourMs, excludedMs: 2 * hourMs }]]),
    );
    const view = apiViewOf({ 'api-http': history });
    expect(dayOf(view, yesterdayMs)).toEqual({
      date: dateOf(yesterdayMs),
      upMs: 21 * hourMs,
      degradedMs: 0,
      downMs: hourMs,
      excludedMs: 2 * hourMs,
      uptime: 21 / 22,
    });
  });

  it('counts degraded time as up beside maintenance', () => {
    const history = historyOf(
      new Map([
        [yesterdayMs, { upMs: 19 * hourMs, degradedMs: 2 * hourMs, downMs: hourMs, excludedMs: 2 * hourMs }],
      ]),
    );
    expect(dayOf(apiViewOf({ 'api-http': history }), yesterdayMs)?.uptime).toBe(21 / 22);
  });

  it('gives a day spent entirely in maintenance a null uptime, the same as a day without data', () => {
    const twoDaysAgoMs = todayMs - 2 * dayMs;
    const history = historyOf(new Map([[yesterdayMs, { excludedMs: dayMs }]]));
    const view = apiViewOf({ 'api-http': history });
    expect(dayOf(view, yesterdayMs)).toMatchObject({ upMs: 0, downMs: 0, excludedMs: dayMs, uptime: null });
    // Only excludedMs tells it from a day nothing was observed.
    expect(dayOf(view, twoDaysAgoMs)).toMatchObject({ excludedMs: 0, uptime: null });
  });

  it('sums the monitors of a component per day before dividing, each one’s maintenance left out', () => {
    const history = (times: Partial<Times>) => historyOf(new Map([[yesterdayMs, times]]));
    const view = apiViewOf({
      'api-http': history({ upMs: 22 * hourMs, excludedMs: 2 * hourMs }),
      'api-tcp': history({ upMs: 23 * hourMs, downMs: hourMs }),
    });
    expect(dayOf(view, yesterdayMs)).toMatchObject({ excludedMs: 2 * hourMs, uptime: 45 / 46 });
  });

  it('leaves maintenance out of uptime90d', () => {
    const todayUpMs = nowMs - todayMs;
    const history = historyOf(
      new Map([
        [todayMs - 2 * dayMs, { excludedMs: dayMs }],
        [yesterdayMs, { upMs: 21 * hourMs, downMs: hourMs, excludedMs: 2 * hourMs }],
        [todayMs, { upMs: todayUpMs }],
      ]),
    );
    const view = apiViewOf({ 'api-http': history });
    expect(view.days).toHaveLength(dayCount);
    expect(view.uptime90d).toBe((21 * hourMs + todayUpMs) / (22 * hourMs + todayUpMs));
  });

  it('has a null uptime90d when the 90 days hold nothing but maintenance', () => {
    const history = historyOf(new Map([[yesterdayMs, { excludedMs: dayMs }]]));
    expect(apiViewOf({ 'api-http': history }).uptime90d).toBeNull();
  });

  it('carries maintenance from the monitor’s check results through to the day’s uptime', () => {
    const checks = (fromMs: number, toMs: number, state: string, ok: boolean): RollupSample[] =>
      Array.from({ length: (toMs - fromMs) / minuteMs }, (_, i) => ({
        atMs: fromMs + i * minuteMs,
        state,
        ok,
        responseTimeMs: 40,
      }));
    // The checks failed during the maintenance (the service was being upgraded), but counted as neither.
    const results = [
      ...checks(yesterdayMs, yesterdayMs + hourMs, 'down', false),
      ...checks(yesterdayMs + hourMs, yesterdayMs + 3 * hourMs, 'maintenance', false),
      ...checks(yesterdayMs + 3 * hourMs, nowMs, 'up', true),
    ];
    const history = dailyHistoryOf(
      {
        days: [],
        hours: [],
        results,
        rawFromMs: todayMs - (dayCount - 1) * dayMs,
        alive: [{ startedMs: yesterdayMs - dayMs, lastAliveMs: nowMs }],
      },
      nowMs,
      { dayCount, maxHoldMs: 3 * minuteMs },
    );
    const view = apiViewOf({ 'api-http': history });
    expect(dayOf(view, yesterdayMs)?.uptime).toBe(21 / 22);
    expect(dayOf(view, todayMs)?.uptime).toBe(1);
    expect(view.uptime90d).toBe((21 * hourMs + nowMs - todayMs) / (22 * hourMs + nowMs - todayMs));
  });
});

describe('buildStatusView: page.updated_at', () => {
  const inputsWith = (changedAtMs: number): ViewInputs => ({
    page: pageInputs,
    live: [leaf('api', [])],
    records: (id) => ({
      id,
      createdAtMs: yesterdayMs,
      status: 'operational',
      updatedAtMs: yesterdayMs + hourMs,
      override: null,
    }),
    incidents: [],
    maintenances: [maintenance({ id: 'upgrade', updatedAtMs: yesterdayMs + 2 * hourMs })],
    changedAtMs,
    history: () => undefined,
    dayCount,
    nowMs,
  });

  it('is the last change when that is later than every document left (a deletion is a change)', () => {
    expect(buildStatusView(inputsWith(nowMs - minuteMs)).page.updatedAtMs).toBe(nowMs - minuteMs);
  });

  it('is the newest document when nothing later changed', () => {
    expect(buildStatusView(inputsWith(0)).page.updatedAtMs).toBe(yesterdayMs + 2 * hourMs);
  });
});
