import { offsetMinutesAt } from '../time-zone.ts';

const pad = (n: number): string => String(n).padStart(2, '0');

/** RSS 2.0's RFC 822 date with the page zone's offset: `Tue, 15 Feb 2022 13:37:37 -0800`. */
export function rfc822InZone(ms: number, timeZone: string): string {
  const offsetMinutes = offsetMinutesAt(ms, timeZone);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  // toUTCString of the shifted instant is the local wall time in RFC 822's layout, ending in "GMT".
  const local = new Date(ms + offsetMinutes * 60_000).toUTCString().slice(0, -'GMT'.length);
  return `${local}${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

const displayFormats = new Map<string, Intl.DateTimeFormat>();

/** What a reader sees in a feed entry, in the page's zone: `Feb 15, 2022, 13:37 PST`. */
export function displayTimeInZone(ms: number, timeZone: string): string {
  let format = displayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    displayFormats.set(timeZone, format);
  }
  return format.format(ms);
}
