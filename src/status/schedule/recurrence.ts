import { Cron } from 'croner';
import { startsAfter } from './wall-clock-starts.ts';

/**
 * Recurring maintenance windows, in the page's time zone: a five-field cron or a weekly form. Both follow the
 * wall clock: "sun 02:30" in Europe/Berlin is 02:30 local every week, 03:30 on the day 02:30 is skipped, the
 * first 02:30 on the day it happens twice. The duration is elapsed time: a 2 h window is 2 real hours.
 *
 * croner's own zone handling differs, which is why it only matches wall times here: it starts a skipped fixed
 * time at the end of the gap (03:00, not 03:30), and runs interval patterns (`*\/15 * * * *`) on both passes
 * of a repeated hour. One rule for both forms keeps a weekly window and its cron spelling identical.
 */

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

export type Recurrence =
  { readonly cron: string } | { readonly weekly: { readonly days: readonly Weekday[]; readonly at: string } };

/** One window: `startMs` ≤ t < `endMs`. */
export interface Occurrence {
  readonly startMs: number;
  readonly endMs: number;
}

/** Why the recurrence cannot be scheduled, as a sentence for a config error; undefined when it can. */
export function recurrenceError(r: Recurrence): string | undefined {
  return 'cron' in r ? cronError(r.cron) : weeklyError(r.weekly);
}

/** The first start strictly after `afterMs`; undefined if the pattern never matches again. */
export function nextOccurrenceStartMs(r: Recurrence, afterMs: number, timeZone: string): number | undefined {
  for (const startMs of startsAfter(compile(r), afterMs, timeZone)) return startMs;
  return undefined;
}

/** The window in progress at `atMs`; when windows overlap, the earliest started of them. */
export function occurrenceAt(
  r: Recurrence,
  durationMs: number,
  atMs: number,
  timeZone: string,
): Occurrence | undefined {
  checkDuration(durationMs);
  // Any window still open at atMs started after atMs - duration.
  const startMs = nextOccurrenceStartMs(r, atMs - durationMs, timeZone);
  return startMs !== undefined && startMs <= atMs ? { startMs, endMs: startMs + durationMs } : undefined;
}

const cronFields = 'minute hour day-of-month month day-of-week';
const timeOfDay = /^([01]\d|2[0-3]):([0-5]\d)$/;

function cronError(expression: string): string | undefined {
  const fieldCount = expression.trim().split(/\s+/).length;
  if (!expression.trim().startsWith('@') && fieldCount !== 5)
    return `cron "${expression}" has ${fieldCount} field${fieldCount === 1 ? '' : 's'}; expected 5: ${cronFields}`;
  let pattern: Cron;
  try {
    pattern = compileCron(expression);
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    return `cron "${expression}" is not valid: ${reason}`;
  }
  // croner searches to year 3000, so an impossible date (30 February) shows up as no run at all.
  if (pattern.nextRun(new Date(0)) === null) return `cron "${expression}" never matches a date`;
  return undefined;
}

function weeklyError(weekly: { readonly days: readonly string[]; readonly at: string }): string | undefined {
  if (weekly.days.length === 0) return `weekly.days is empty; give at least one of ${weekdays.join(', ')}`;
  const seen = new Set<string>();
  for (const day of weekly.days) {
    if (!(weekdays as readonly string[]).includes(day))
      return `weekly.days: "${day}" is not a weekday; expected one of ${weekdays.join(', ')}`;
    if (seen.has(day)) return `weekly.days lists "${day}" twice`;
    seen.add(day);
  }
  if (!timeOfDay.test(weekly.at))
    return `weekly.at "${weekly.at}" is not a time of day; expected HH:MM on a 24-hour clock, such as 02:30`;
  return undefined;
}

function compile(r: Recurrence): Cron {
  const error = recurrenceError(r);
  if (error !== undefined) throw new RangeError(`invalid recurrence: ${error}`);
  return compileCron('cron' in r ? r.cron : weeklyCron(r.weekly.days, r.weekly.at));
}

// Offset 0 and five fields: croner matches local wall times as given, to the minute (see wall-clock-starts.ts).
const compileCron = (expression: string): Cron => new Cron(expression, { utcOffset: 0, mode: '5-part' });

/** `sun 02:30` → `30 2 * * 0`: the weekly form is a cron pattern, so both share one matcher. */
function weeklyCron(days: readonly Weekday[], at: string): string {
  const [, hour = '0', minute = '0'] = timeOfDay.exec(at) ?? [];
  const cronDays = days.map((day) => (weekdays.indexOf(day) + 1) % 7);
  return `${Number(minute)} ${Number(hour)} * * ${cronDays.join(',')}`;
}

function checkDuration(durationMs: number): void {
  if (!(durationMs > 0 && Number.isFinite(durationMs)))
    throw new RangeError(`a window's duration must be a positive number of ms, not ${durationMs}`);
}
