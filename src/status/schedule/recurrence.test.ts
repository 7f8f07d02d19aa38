import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { epochOfLocal, isoInZone } from '../time-zone.ts';
import {
  nextOccurrenceStartMs,
  occurrenceAt,
  recurrenceError,
  type Occurrence,
  type Recurrence,
} from './recurrence.ts';

const berlin = 'Europe/Berlin';
const newYork = 'America/New_York';
const hourMs = 3_600_000;
const ms = (iso: string): number => Date.parse(iso);
const iso = (epochMs: number | undefined): string | undefined =>
  epochMs === undefined ? undefined : new Date(epochMs).toISOString();
/**
 * The windows starting in [fromMs, toMs), each found after the last as the maintenance runner finds them:
 * one nextOccurrenceStartMs at a time.
 */
function occurrencesBetween(
  r: Recurrence,
  durationMs: number,
  fromMs: number,
  toMs: number,
  timeZone: string,
): Occurrence[] {
  const windows: Occurrence[] = [];
  for (
    let startMs = nextOccurrenceStartMs(r, fromMs - 1, timeZone);
    startMs !== undefined && startMs < toMs;
    startMs = nextOccurrenceStartMs(r, startMs, timeZone)
  )
    windows.push({ startMs, endMs: startMs + durationMs });
  return windows;
}

const startsOf = (windows: readonly { startMs: number }[]): string[] =>
  windows.map((w) => iso(w.startMs) ?? '');

/** Each case runs for the weekly form and its cron spelling: both must land on the same instants. */
const sunday0230: [string, Recurrence][] = [
  ['weekly', { weekly: { days: ['sun'], at: '02:30' } }],
  ['cron', { cron: '30 2 * * 0' }],
];
const sunday0130: [string, Recurrence][] = [
  ['weekly', { weekly: { days: ['sun'], at: '01:30' } }],
  ['cron', { cron: '30 1 * * sun' }],
];

describe('recurrenceError', () => {
  it.each<Recurrence>([
    { cron: '30 2 * * 0' },
    { cron: '*/15 9-17 * * mon-fri' },
    { cron: '0 4 1 * *' },
    { cron: '@weekly' },
    { weekly: { days: ['mon', 'sun'], at: '00:00' } },
    { weekly: { days: ['sat'], at: '23:59' } },
  ])('accepts %j', (r) => {
    expect(recurrenceError(r)).toBeUndefined();
  });

  it.each<[Recurrence, string]>([
    [
      { cron: '0 30 2 * * *' },
      'cron "0 30 2 * * *" has 6 fields; expected 5: minute hour day-of-month month day-of-week',
    ],
    [{ cron: 'often' }, 'cron "often" has 1 field; expected 5: minute hour day-of-month month day-of-week'],
    [{ cron: '61 2 * * *' }, 'cron "61 2 * * *" is not valid: Invalid value for minute: 61'],
    [{ cron: '0 2 * * moonday' }, 'cron "0 2 * * moonday" is not valid'],
    [{ cron: '0 0 30 2 *' }, 'cron "0 0 30 2 *" never matches a date'],
    [{ cron: '30 1 * * sat-mon' }, "is not valid: From value is larger than to value: '6-1'"],
    [
      { weekly: { days: [], at: '02:30' } },
      'weekly.days is empty; give at least one of mon, tue, wed, thu, fri, sat, sun',
    ],
    [{ weekly: { days: ['sun', 'sun'], at: '02:30' } }, 'weekly.days lists "sun" twice'],
    [{ weekly: { days: ['sunday' as 'sun'], at: '02:30' } }, 'weekly.days: "sunday" is not a weekday'],
    [{ weekly: { days: ['sun'], at: '2:30' } }, 'weekly.at "2:30" is not a time of day; expected HH:MM'],
    [{ weekly: { days: ['sun'], at: '24:00' } }, 'weekly.at "24:00" is not a time of day'],
    [{ weekly: { days: ['sun'], at: '02:60' } }, 'weekly.at "02:60" is not a time of day'],
  ])('rejects %j', (r, message) => {
    expect(recurrenceError(r)).toContain(message);
  });

  it('is what the schedule functions throw on', () => {
    expect(() => nextOccurrenceStartMs({ cron: '61 2 * * *' }, 0, berlin)).toThrow(RangeError);
    expect(() => occurrenceAt({ cron: '0 2 * * *' }, 0, 0, berlin)).toThrow(/duration/);
  });
});

describe('nextOccurrenceStartMs in Europe/Berlin', () => {
  it.each(sunday0230)('%s: 02:30 local in winter and in summer', (_form, r) => {
    expect(iso(nextOccurrenceStartMs(r, ms('2026-03-21T12:00:00Z'), berlin))).toBe(
      '2026-03-22T01:30:00.000Z',
    );
    expect(iso(nextOccurrenceStartMs(r, ms('2026-04-04T12:00:00Z'), berlin))).toBe(
      '2026-04-05T00:30:00.000Z',
    );
  });

  it.each(sunday0230)('%s: spring forward (02:30 skipped) starts at 03:30 local', (_form, r) => {
    const startMs = nextOccurrenceStartMs(r, ms('2026-03-28T12:00:00Z'), berlin) ?? 0;
    expect(iso(startMs)).toBe('2026-03-29T01:30:00.000Z');
    expect(isoInZone(startMs, berlin)).toBe('2026-03-29T03:30:00.000+02:00');
  });

  it.each(sunday0230)('%s: fall back (02:30 twice) starts at the first, never the second', (_form, r) => {
    const firstMs = nextOccurrenceStartMs(r, ms('2026-10-24T12:00:00Z'), berlin) ?? 0;
    expect(iso(firstMs)).toBe('2026-10-25T00:30:00.000Z');
    expect(isoInZone(firstMs, berlin)).toBe('2026-10-25T02:30:00.000+02:00');
    // From the first pass, and from inside the second one: the next is a week on.
    expect(iso(nextOccurrenceStartMs(r, firstMs, berlin))).toBe('2026-11-01T01:30:00.000Z');
    expect(iso(nextOccurrenceStartMs(r, ms('2026-10-25T01:10:00Z'), berlin))).toBe(
      '2026-11-01T01:30:00.000Z',
    );
  });

  it('is strictly after: a start at afterMs is not the next one', () => {
    const r: Recurrence = { weekly: { days: ['sun'], at: '02:30' } };
    expect(iso(nextOccurrenceStartMs(r, ms('2026-03-22T01:30:00Z'), berlin))).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    expect(iso(nextOccurrenceStartMs(r, ms('2026-03-22T01:29:59.999Z'), berlin))).toBe(
      '2026-03-22T01:30:00.000Z',
    );
  });

  it('jumps to a rare date: 29 February, local midnight', () => {
    expect(iso(nextOccurrenceStartMs({ cron: '0 0 29 2 *' }, ms('2026-03-01T00:00:00Z'), berlin))).toBe(
      '2028-02-28T23:00:00.000Z',
    );
  });

  it('walks interval patterns by the same rule: skipped times move past the gap, repeats count once', () => {
    const r: Recurrence = { cron: '*/30 2 * * *' };
    const spring = occurrencesBetween(
      r,
      60_000,
      ms('2026-03-29T00:00:00Z'),
      ms('2026-03-29T03:00:00Z'),
      berlin,
    );
    expect(startsOf(spring)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z']);
    const autumn = occurrencesBetween(
      r,
      60_000,
      ms('2026-10-24T23:00:00Z'),
      ms('2026-10-25T03:00:00Z'),
      berlin,
    );
    expect(startsOf(autumn)).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T00:30:00.000Z']);
  });

  it('collapses wall times a gap maps onto the same instant', () => {
    const r: Recurrence = { cron: '*/30 1-3 * * *' };
    const starts = occurrencesBetween(
      r,
      60_000,
      ms('2026-03-28T23:00:00Z'),
      ms('2026-03-29T03:00:00Z'),
      berlin,
    );
    // 01:00, 01:30 CET; 02:00 and 02:30 (skipped) land on 03:00 and 03:30 CEST.
    expect(startsOf(starts)).toEqual([
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T00:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:30:00.000Z',
    ]);
  });
});

describe('nextOccurrenceStartMs in America/New_York', () => {
  it.each(sunday0230)('%s: spring forward 2026-03-08, 02:30 starts at 03:30 EDT', (_form, r) => {
    const startMs = nextOccurrenceStartMs(r, ms('2026-03-07T12:00:00Z'), newYork) ?? 0;
    expect(iso(startMs)).toBe('2026-03-08T07:30:00.000Z');
    expect(isoInZone(startMs, newYork)).toBe('2026-03-08T03:30:00.000-04:00');
    expect(iso(nextOccurrenceStartMs(r, startMs, newYork))).toBe('2026-03-15T06:30:00.000Z');
  });

  it.each(sunday0130)('%s: fall back 2026-11-01, 01:30 starts at the EDT one only', (_form, r) => {
    const startMs = nextOccurrenceStartMs(r, ms('2026-10-31T12:00:00Z'), newYork) ?? 0;
    expect(iso(startMs)).toBe('2026-11-01T05:30:00.000Z');
    expect(isoInZone(startMs, newYork)).toBe('2026-11-01T01:30:00.000-04:00');
    expect(iso(nextOccurrenceStartMs(r, startMs, newYork))).toBe('2026-11-08T06:30:00.000Z');
  });
});

describe('where croner on its own would differ', () => {
  it('croner starts a skipped fixed time at the end of the gap (03:00); we keep its distance into it (03:30)', () => {
    const native = new Cron('30 2 * * 0', { timezone: berlin });
    expect(native.nextRun(new Date(ms('2026-03-28T12:00:00Z')))?.toISOString()).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    expect(iso(nextOccurrenceStartMs({ cron: '30 2 * * 0' }, ms('2026-03-28T12:00:00Z'), berlin))).toBe(
      '2026-03-29T01:30:00.000Z',
    );
  });

  it('croner runs an interval pattern on both passes of a repeated hour; we take the first', () => {
    const native = new Cron('*/30 2 * * *', { timezone: berlin });
    expect(native.nextRuns(4, new Date(ms('2026-10-24T23:00:00Z'))).map((d) => d.toISOString())).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T01:30:00.000Z',
    ]);
  });
});

describe('successive occurrences, one nextOccurrenceStartMs after another', () => {
  const twoHoursMs = 2 * hourMs;

  it.each<[string, Recurrence]>([
    ['weekly', { weekly: { days: ['wed', 'mon', 'fri'], at: '09:00' } }],
    ['cron', { cron: '0 9 * * mon,wed,fri' }],
  ])('%s: several days a week, in start order whatever the order given', (_form, r) => {
    const windows = occurrencesBetween(
      r,
      hourMs,
      ms('2026-06-01T00:00:00Z'),
      ms('2026-06-08T00:00:00Z'),
      berlin,
    );
    expect(windows).toEqual([
      { startMs: ms('2026-06-01T07:00:00Z'), endMs: ms('2026-06-01T08:00:00Z') },
      { startMs: ms('2026-06-03T07:00:00Z'), endMs: ms('2026-06-03T08:00:00Z') },
      { startMs: ms('2026-06-05T07:00:00Z'), endMs: ms('2026-06-05T08:00:00Z') },
    ]);
  });

  it.each<[string, Recurrence]>([
    ['weekly', { weekly: { days: ['mon', 'wed', 'fri', 'sun'], at: '02:30' } }],
    ['cron', { cron: '30 2 * * 1,3,5,0' }],
  ])('%s: across the spring-forward week in Berlin, 2 real hours each', (_form, r) => {
    const windows = occurrencesBetween(
      r,
      twoHoursMs,
      ms('2026-03-27T00:00:00Z'),
      ms('2026-04-02T00:00:00Z'),
      berlin,
    );
    expect(windows).toEqual([
      { startMs: ms('2026-03-27T01:30:00Z'), endMs: ms('2026-03-27T03:30:00Z') },
      { startMs: ms('2026-03-29T01:30:00Z'), endMs: ms('2026-03-29T03:30:00Z') },
      { startMs: ms('2026-03-30T00:30:00Z'), endMs: ms('2026-03-30T02:30:00Z') },
      { startMs: ms('2026-04-01T00:30:00Z'), endMs: ms('2026-04-01T02:30:00Z') },
    ]);
  });

  it.each<[string, Recurrence]>([
    ['weekly', { weekly: { days: ['sat', 'sun', 'mon'], at: '01:30' } }],
    ['cron', { cron: '30 1 * * sat,sun,mon' }],
  ])('%s: across the fall-back week in New York', (_form, r) => {
    const windows = occurrencesBetween(
      r,
      twoHoursMs,
      ms('2026-10-31T00:00:00Z'),
      ms('2026-11-03T00:00:00Z'),
      newYork,
    );
    expect(startsOf(windows)).toEqual([
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
    // Elapsed time: the window from 01:30 EDT ends at 02:30 EST, two real hours on.
    expect(isoInZone(windows[1]?.endMs ?? 0, newYork)).toBe('2026-11-01T02:30:00.000-05:00');
  });

  // Early and late hours apart: a wall time mapped an hour off would otherwise land on a neighbour's instant.
  it.each<[string, number[]]>([
    ['Australia/Lord_Howe', [0, 1, 2]],
    ['America/Santiago', [0, 1, 2]],
    ['America/Santiago', [22, 23]],
    ['America/New_York', [0, 1, 2]],
  ])('matches epochOfLocal wall time by wall time through 2026 in %s, hours %j', (timeZone, hours) => {
    const minutes = [5, 20, 35, 50];
    const expected = new Set<number>();
    for (let day = Date.UTC(2026, 0, 2); day < Date.UTC(2026, 11, 30); day += 24 * hourMs) {
      const d = new Date(day);
      for (const hour of hours)
        for (const minute of minutes) {
          const local = {
            year: d.getUTCFullYear(),
            month: d.getUTCMonth() + 1,
            day: d.getUTCDate(),
            hour,
            minute,
          };
          expected.add(epochOfLocal(local, timeZone));
        }
    }
    const r: Recurrence = { cron: `${minutes.join(',')} ${hours.join(',')} * * *` };
    const fromMs = epochOfLocal({ year: 2026, month: 1, day: 2, hour: 0, minute: 0 }, timeZone);
    const toMs = epochOfLocal({ year: 2026, month: 12, day: 30, hour: 0, minute: 0 }, timeZone);
    const got = occurrencesBetween(r, 1, fromMs - 1, toMs, timeZone).map((w) => w.startMs);
    expect(got).toEqual([...expected].sort((a, b) => a - b));
  });
});

describe('occurrenceAt', () => {
  const r: Recurrence = { weekly: { days: ['sun'], at: '02:30' } };
  const twoHoursMs = 2 * hourMs;

  it.each<[string, string, string | undefined]>([
    ['before the start', '2026-03-22T01:29:59.999Z', undefined],
    ['at the start', '2026-03-22T01:30:00.000Z', '2026-03-22T01:30:00.000Z'],
    ['inside', '2026-03-22T02:45:00.000Z', '2026-03-22T01:30:00.000Z'],
    ['the last ms', '2026-03-22T03:29:59.999Z', '2026-03-22T01:30:00.000Z'],
    ['at the end', '2026-03-22T03:30:00.000Z', undefined],
    ['inside, on the spring-forward day', '2026-03-29T03:00:00.000Z', '2026-03-29T01:30:00.000Z'],
    [
      'the second 02:30 of the fall-back day, an hour into the first window',
      '2026-10-25T01:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
    ],
    [
      'after the fall-back window: two real hours, not until 04:30 wall time',
      '2026-10-25T02:30:00.000Z',
      undefined,
    ],
  ])('%s', (_name, at, start) => {
    const window = occurrenceAt(r, twoHoursMs, ms(at), berlin);
    expect(iso(window?.startMs)).toBe(start);
    if (window) expect(window.endMs - window.startMs).toBe(twoHoursMs);
  });
});
