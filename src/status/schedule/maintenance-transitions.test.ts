import { describe, expect, it } from 'vitest';
import type { Maintenance, MaintenanceStatus } from '../model.ts';
import {
  activeWindows,
  componentIdsInMaintenance,
  dueTransition,
  effectiveStatus,
  nextTransitionAtMs,
  type Transition,
} from './maintenance-transitions.ts';

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

describe('nextTransitionAtMs', () => {
  it('is undefined with nothing automatic pending', () => {
    expect(nextTransitionAtMs([], forMs)).toBeUndefined();
    expect(
      nextTransitionAtMs(
        [
          maintenance({ status: 'completed' }),
          maintenance({ autoTransition: false }),
          maintenance({ status: 'in_progress', autoTransition: false }),
        ],
        forMs - 1,
      ),
    ).toBeUndefined();
  });

  it('is the earliest start or end still ahead', () => {
    const later = maintenance({
      id: 'm2',
      scheduledForMs: forMs + 60 * minuteMs,
      scheduledUntilMs: untilMs + 60 * minuteMs,
    });
    expect(nextTransitionAtMs([later, maintenance()], forMs - 10 * minuteMs)).toBe(forMs);
    expect(nextTransitionAtMs([later, maintenance({ status: 'in_progress' })], forMs + 10 * minuteMs)).toBe(
      forMs + 60 * minuteMs,
    );
    expect(nextTransitionAtMs([maintenance({ status: 'verifying' })], forMs + 10 * minuteMs)).toBe(untilMs);
  });

  it('is now when a transition is already due (after a restart)', () => {
    const nowMs = untilMs + 30 * minuteMs;
    expect(nextTransitionAtMs([maintenance()], nowMs)).toBe(nowMs);
  });
});

describe('activeWindows and componentIdsInMaintenance', () => {
  const db = maintenance({ id: 'db', componentIds: ['api', 'db'] });
  const cdn = maintenance({
    id: 'cdn',
    status: 'in_progress',
    componentIds: ['cdn'],
    scheduledUntilMs: forMs + 30 * minuteMs,
  });
  const manual = maintenance({ id: 'manual', autoTransition: false, componentIds: ['mail'] });
  const checking = maintenance({
    id: 'checking',
    status: 'verifying',
    autoTransition: false,
    componentIds: ['dns'],
    scheduledUntilMs: forMs,
  });
  const done = maintenance({ id: 'done', status: 'completed', componentIds: ['old'] });
  const all = [db, cdn, manual, checking, done];

  it.each<[string, number, string[], string[]]>([
    ['before the window: only what is already running', forMs - 1, ['cdn', 'checking'], ['cdn', 'dns']],
    [
      'inside: due starts count before the store catches up',
      forMs + minuteMs,
      ['db', 'cdn', 'checking'],
      ['api', 'db', 'cdn', 'dns'],
    ],
    [
      'after the cdn window: due ends count too',
      forMs + 30 * minuteMs,
      ['db', 'checking'],
      ['api', 'db', 'dns'],
    ],
    ['after everything: a manual verifying stays until a person ends it', untilMs, ['checking'], ['dns']],
  ])('%s', (_name, nowMs, ids, componentIds) => {
    expect(activeWindows(all, nowMs).map((m) => m.id)).toEqual(ids);
    expect([...componentIdsInMaintenance(all, nowMs)]).toEqual(componentIds);
  });

  it('effectiveStatus applies the due transition', () => {
    expect(effectiveStatus(db, forMs - 1)).toBe('scheduled');
    expect(effectiveStatus(db, forMs)).toBe('in_progress');
    expect(effectiveStatus(db, untilMs)).toBe('completed');
    expect(effectiveStatus(manual, untilMs)).toBe('scheduled');
  });
});
