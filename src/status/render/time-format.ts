import { isoInZone, rememberedByInstant } from '../time-zone.ts';

// Intl formatters are costly to build and a page formats hundreds of times: one per zone and kind.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(kind: string, locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${kind}|${options.timeZone ?? ''}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, format);
  }
  return format;
}

/**
 * "CET", "EDT", or "GMT+9" where no abbreviation exists. en-GB knows the European ones and en-US the
 * American ones; each writes the other's as a GMT offset.
 */
export const zoneAbbreviation = rememberedByInstant((ms: number, timeZone: string): string => {
  const names = ['en-GB', 'en-US'].map(
    (locale) =>
      formatter(`zone-${locale}`, locale, { timeZone, timeZoneName: 'short', hour: 'numeric' })
        .formatToParts(ms)
        .find((part) => part.type === 'timeZoneName')?.value ?? timeZone,
  );
  return names.find((name) => !name.startsWith('GMT')) ?? names[0] ?? timeZone;
});

/** "20 Nov 2026, 15:05 CET" */
export const formatDateTime = rememberedByInstant((ms: number, timeZone: string): string => {
  const text = formatter('datetime', 'en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(
    ms,
  );
  return `${text} ${zoneAbbreviation(ms, timeZone)}`;
});

/** "15:05 CET" */
export const formatClock = rememberedByInstant((ms: number, timeZone: string): string => {
  const text = formatter('clock', 'en-GB', { timeZone, timeStyle: 'short' }).format(ms);
  return `${text} ${zoneAbbreviation(ms, timeZone)}`;
});

/** "November 2026": history groups by the month in the page's zone. */
export function formatMonth(ms: number, timeZone: string): string {
  return formatter('month', 'en-GB', { timeZone, month: 'long', year: 'numeric' }).format(ms);
}

const dayKey = rememberedByInstant((ms: number, timeZone: string): string =>
  formatter('day', 'en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms),
);

/** `<time datetime="2026-11-20T15:05:00.000+01:00">20 Nov 2026, 15:05 CET</time>` */
export function timeTag(ms: number, timeZone: string, text = formatDateTime(ms, timeZone)): string {
  return `<time datetime="${isoInZone(ms, timeZone)}">${text}</time>`;
}

/** A start–end window; the end shows only its clock when both fall on the same local day. */
export function windowTags(startMs: number, endMs: number, timeZone: string): string {
  const sameDay = dayKey(startMs, timeZone) === dayKey(endMs, timeZone);
  const endText = sameDay ? formatClock(endMs, timeZone) : formatDateTime(endMs, timeZone);
  return `${timeTag(startMs, timeZone)} – ${timeTag(endMs, timeZone, endText)}`;
}

/** "2 h 15 min", "45 min", "3 d 4 h": how long an incident lasted. */
export function formatDurationMs(durationMs: number): string {
  const totalMinutes = Math.max(1, Math.round(durationMs / 60_000));
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  return `${minutes} min`;
}

// One rounding for the page, the badges and the CLI.
export { formatUptimePercent } from '../../core/units.ts';
