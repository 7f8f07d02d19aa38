import { describe, expect, it } from 'vitest';
import type { Maintenance, MaintenanceStatus } from '../model.ts';
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

describe('dueTransition', () => {
  it.each<[string, MaintenanceStatus, number, Transition | undefined]>([
    ['scheduled, before its start', 'scheduled', forMs - 1, undefined],
    ['scheduled, at its start', 'scheduled', forMs, { status: 'in_progress', atMs: forMs }],
    [
      'scheduled, late (atMs is still the planned start)',
      'scheduled',
      forMs + 30 * minuteMs,
      { status: 'in_progress', atMs: forMs },
    ],
    [
      'scheduled, the process down for the whole window',
      'scheduled',
      untilMs + 5 * minuteMs,
      { status: 'completed', atMs: untilMs },
    ],
    ['scheduled, exactly at the end', 'scheduled', untilMs, { status: 'completed', atMs: untilMs }],
    ['in progress, before the end', 'in_progress', untilMs - 1, undefined],
    ['in progress, at the end', 'in_progress', untilMs, { status: 'completed', atMs: untilMs }],
    ['verifying, before the end', 'verifying', untilMs - 1, undefined],
    ['verifying, after the end', 'verifying', untilMs + minuteMs, { status: 'completed', atMs: untilMs }],
    ['completed', 'completed', untilMs + minuteMs, undefined],
  ])('%s', (_name, status, nowMs, expected) => {
    expect(dueTransition(maintenance({ status }), nowMs)).toEqual(expected);
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
