/**
 * Wall-clock arithmetic in an IANA time zone with Intl only (no tz database of our own): the page shows times
 * in its zone, and Statuspage's timestamps carry the zone's offset (`2022-02-15T13:37:37.407-08:00`).
 */

const partsFormats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let format = partsFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormats.set(timeZone, format);
  }
  return format;
}

/** The local date and time fields at `ms` in `timeZone`. */
export interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/**
 * A pure function of (instant, zone), remembered: a status page rebuild formats the same few thousand instants
 * each time, and every Intl `formatToParts` call is costly (most of a rebuild's time, which blocks the event
 * loop shared with the gateway). Bounded: a full cache starts over rather than grow.
 */
export function rememberedByInstant<T>(
  compute: (ms: number, timeZone: string) => T,
  maxEntries = 50_000,
): (ms: number, timeZone: string) => T {
  const cache = new Map<string, T>();
  return (ms, timeZone) => {
    const key = `${timeZone}|${ms}`;
    let value = cache.get(key);
    if (value === undefined) {
      if (cache.size >= maxEntries) cache.clear();
      value = compute(ms, timeZone);
      cache.set(key, value);
    }
    return value;
  };
}

export const localTimeOf = rememberedByInstant((ms: number, timeZone: string): LocalTime => {
  const fields: Record<string, number> = {};
  for (const part of partsFormat(timeZone).formatToParts(ms))
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  return {
    year: fields['year'] ?? 0,
    month: fields['month'] ?? 0,
    day: fields['day'] ?? 0,
    hour: fields['hour'] ?? 0,
    minute: fields['minute'] ?? 0,
    second: fields['second'] ?? 0,
  };
});

/** The zone's offset from UTC at `ms`, in minutes (Berlin in summer: 120). */
export function offsetMinutesAt(ms: number, timeZone: string): number {
  const t = localTimeOf(ms, timeZone);
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** ISO 8601 with milliseconds and the zone's offset at that moment, as Statuspage writes its timestamps. */
export const isoInZone = rememberedByInstant((ms: number, timeZone: string): string => {
  const offset = offsetMinutesAt(ms, timeZone);
  const shifted = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${shifted}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
});

/**
 * The epoch ms of a local wall-clock time. A time skipped by a spring-forward change maps to the same
 * wall time after the change (02:30 → 03:30); a repeated one (autumn) to its first occurrence.
 */
export function epochOfLocal(
  local: Omit<LocalTime, 'second'> & { second?: number },
  timeZone: string,
): number {
  const guess = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second ?? 0);
  // The offsets in force a day either side cover any change near the wall time; each gives one candidate.
  const offsets = [guess - dayMs, guess, guess + dayMs].map((ms) => offsetMinutesAt(ms, timeZone));
  const candidates = offsets
    .map((offset) => guess - offset * 60_000)
    .filter((ms) => sameWallTime(localTimeOf(ms, timeZone), local));
  // A repeated hour (autumn) has two: the earlier wins. A skipped one (spring) has none: keep the offset from
  // before the change, which lands as far past the gap as the wall time was into it.
  return candidates.length > 0 ? Math.min(...candidates) : guess - (offsets[0] ?? 0) * 60_000;
}

const dayMs = 86_400_000;

function sameWallTime(a: LocalTime, b: Omit<LocalTime, 'second'>): boolean {
  return (
    a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute
  );
}

const pad = (n: number): string => String(n).padStart(2, '0');
