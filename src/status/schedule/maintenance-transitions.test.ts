import { describe, expect, it } from 'vitest';
import type { Maintenance, MaintenanceStatus, TimelineUpdate } from '../model.ts';
import { dueTransition, type Transition } from './maintenance-transitions.ts';

const forMs = Date.parse('2026-05-10T02:00:00Z');
const untilMs = Date.parse('2026-05-10T04:00:00Z');
const minuteMs = 60_000;

function maintenance(over: Partial<Maintenance> = {}): Maintenance {
  return {
    id: 'm1',
    name: 'Database upgrade',
    status: 'scheduled',
    createdAtMs: forMs - 7 * 24 * 60 * minuteMs,
    updatedAtMs: forMs - 7 * 24 * 60 * minuteMs,
    scheduledForMs: forMs,
    scheduledUntilMs: untilMs,
    startedAtMs: null,
    completedAtMs: null,
    componentIds: ['api'],
    drain: [],
    autoTransition: true,
    updates: [],
    seriesId: null,
    ...over,
  };
}

function update(atMs: number, status: MaintenanceStatus = 'scheduled'): TimelineUpdate {
  return {
    id: `u${atMs}`,
    status,
    body: '',
    createdAtMs: atMs,
    displayAtMs: atMs,
    affectedComponents: null,
    nextUpdateByMs: null,
    deliverNotifications: true,
  };
}

describe('dueTransition', () => {
  it.each<[string, MaintenanceStatus, number, Transition | undefined]>([
    ['scheduled, before its start', 'scheduled', forMs - 1, undefined],
    [
      'scheduled, at its start',
      'scheduled',
      forMs,
      { status: 'in_progress', atMs: forMs, startedAtMs: forMs },
    ],
    [
      'scheduled, late (atMs is still the planned start)',
      'scheduled',
      forMs + 30 * minuteMs,
      { status: 'in_progress', atMs: forMs, startedAtMs: forMs },
    ],
    [
      'scheduled, the process down for the whole window (begun at its start, not at its end)',
      'scheduled',
      untilMs + 5 * minuteMs,
      { status: 'completed', atMs: untilMs, startedAtMs: forMs },
    ],
    [
      'scheduled, exactly at the end',
      'scheduled',
      untilMs,
      { status: 'completed', atMs: untilMs, startedAtMs: forMs },
    ],
    ['in progress, before the end', 'in_progress', untilMs - 1, undefined],
    [
      'in progress, at the end',
      'in_progress',
      untilMs,
      { status: 'completed', atMs: untilMs, startedAtMs: forMs },
    ],
    ['verifying, before the end', 'verifying', untilMs - 1, undefined],
    [
      'verifying, after the end',
      'verifying',
      untilMs + minuteMs,
      { status: 'completed', atMs: untilMs, startedAtMs: forMs },
    ],
    ['completed', 'completed', untilMs + minuteMs, undefined],
  ])('%s', (_name, status, nowMs, expected) => {
    expect(dueTransition(maintenance({ status }), nowMs)).toEqual(expected);
  });

  it('dates nothing before the maintenance existed: one entered 10 minutes into its window starts when entered', () => {
    const createdAtMs = forMs + 10 * minuteMs;
    const late = maintenance({ createdAtMs, updatedAtMs: createdAtMs, updates: [update(createdAtMs)] });
    expect(dueTransition(late, createdAtMs + 1_000)).toEqual({
      status: 'in_progress',
      atMs: createdAtMs,
      startedAtMs: createdAtMs,
    });
  });

  it('completes a window entered after it ended when entered, not at its end (before it existed)', () => {
    const createdAtMs = untilMs + 10 * minuteMs;
    const past = maintenance({ createdAtMs, updatedAtMs: createdAtMs, updates: [update(createdAtMs)] });
    expect(dueTransition(past, createdAtMs + 1_000)).toEqual({
      status: 'completed',
      atMs: createdAtMs,
      startedAtMs: createdAtMs,
    });
  });

  it('dates a completion after the newest update, so the timeline stays newest first', () => {
    const postedAtMs = untilMs + 5 * minuteMs;
    const verifying = maintenance({
      status: 'verifying',
      startedAtMs: forMs,
      updates: [update(postedAtMs, 'verifying'), update(forMs, 'in_progress')],
    });
    expect(dueTransition(verifying, postedAtMs + minuteMs)).toEqual({
      status: 'completed',
      atMs: postedAtMs,
      startedAtMs: forMs,
    });
  });

  it.each<MaintenanceStatus>(['scheduled', 'in_progress', 'verifying'])(
    'without autoTransition, %s stays put even long after the window',
    (status) => {
      expect(
        dueTransition(maintenance({ status, autoTransition: false }), untilMs + 60 * minuteMs),
      ).toBeUndefined();
    },
  );

  it('never moves to verifying: that is a person’s call', () => {
    const seen = [forMs - 1, forMs, untilMs - 1, untilMs].map((nowMs) =>
      ['scheduled', 'in_progress'].map(
        (status) => dueTransition(maintenance({ status: status as MaintenanceStatus }), nowMs)?.status,
      ),
    );
    expect(seen.flat()).not.toContain('verifying');
  });
});
