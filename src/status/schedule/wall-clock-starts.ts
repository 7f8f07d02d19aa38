import type { Cron } from 'croner';
import { epochOfLocal, offsetMinutesAt } from '../time-zone.ts';

/**
 * Recurrences match wall-clock times in the page's zone. They are handled here as "local ms" (the local date
 * and time read as if UTC), so croner matches them with no zone and no DST of its own, and every wall time
 * becomes an instant one way, epochOfLocal's: a skipped time moves past the gap by as much as it was into it
 * (02:30 → 03:30), a repeated one takes its first pass.
 */

const dayMs = 86_400_000;
const minuteMs = 60_000;

/**
 * The starts strictly after `afterMs`, ascending and distinct, for `pattern` compiled at UTC offset 0. Assumes
 * no zone has a gap that spans local midnight (none in the tz database does); one would lose starts, not
 * reorder them.
 */
export function* startsAfter(pattern: Cron, afterMs: number, timeZone: string): Generator<number, void> {
  let dayLocalMs = floorDay(afterMs + offsetMinutesAt(afterMs, timeZone) * minuteMs);
  let lastMs = afterMs;
  for (;;) {
    // croner jumps over days without a match, so a yearly pattern costs one step, not 365.
    const run = pattern.nextRun(new Date(dayLocalMs - 1));
    if (run === null) return;
    dayLocalMs = floorDay(run.getTime());
    for (const startMs of startsOnDay(pattern, dayLocalMs, timeZone)) {
      // `> lastMs` also drops a gap's wall time that lands on one already given (02:30 and 03:30).
      if (startMs <= lastMs) continue;
      lastMs = startMs;
      yield startMs;
    }
    dayLocalMs += dayMs;
  }
}

/** One local day's starts, ascending and distinct: a gap maps some wall times onto later ones' instants. */
function startsOnDay(pattern: Cron, dayLocalMs: number, timeZone: string): number[] {
  const instantOf = instantMapping(dayLocalMs, timeZone);
  const starts = new Set<number>();
  for (
    let run = pattern.nextRun(new Date(dayLocalMs - 1));
    run !== null && run.getTime() < dayLocalMs + dayMs;
    run = pattern.nextRun(run)
  )
    starts.add(instantOf(run.getTime()));
  return [...starts].sort((a, b) => a - b);
}

/** On a day without an offset change one subtraction does; only change days pay for epochOfLocal per time. */
function instantMapping(dayLocalMs: number, timeZone: string): (localMs: number) => number {
  const offsetBefore = offsetMinutesAt(epochOf(dayLocalMs, timeZone) - 1, timeZone);
  const offsetAtEnd = offsetMinutesAt(epochOf(dayLocalMs + dayMs, timeZone) - 1, timeZone);
  if (offsetBefore === offsetAtEnd) return (localMs) => localMs - offsetBefore * minuteMs;
  return (localMs) => epochOf(localMs, timeZone);
}

function epochOf(localMs: number, timeZone: string): number {
  const t = new Date(localMs);
  const fields = {
    year: t.getUTCFullYear(),
    month: t.getUTCMonth() + 1,
    day: t.getUTCDate(),
    hour: t.getUTCHours(),
    minute: t.getUTCMinutes(),
  };
  return epochOfLocal(fields, timeZone);
}

const floorDay = (localMs: number): number => Math.floor(localMs / dayMs) * dayMs;
