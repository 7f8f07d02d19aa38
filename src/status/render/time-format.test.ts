import { describe, expect, it } from 'vitest';
import {
  formatClock,
  formatDateTime,
  formatDurationMs,
  formatMonth,
  formatUptimePercent,
  timeTag,
  windowTags,
  zoneAbbreviation,
} from './time-format.ts';

const winterMs = Date.UTC(2026, 10, 20, 14, 5);
const summerMs = Date.UTC(2026, 6, 1, 23, 30);

describe('time formatting in the page zone', () => {
  it.each([
    ['Europe/Berlin', winterMs, '20 Nov 2026, 15:05 CET'],
    ['Europe/Berlin', summerMs, '2 Jul 2026, 01:30 CEST'],
    ['America/New_York', winterMs, '20 Nov 2026, 09:05 EST'],
    ['Asia/Kolkata', winterMs, '20 Nov 2026, 19:35 GMT+5:30'],
    ['UTC', winterMs, '20 Nov 2026, 14:05 UTC'],
  ])('%s: %i → %s', (timeZone, ms, expected) => {
    expect(formatDateTime(ms, timeZone)).toBe(expected);
  });

  it('names the zone, preferring an abbreviation to an offset', () => {
    expect(zoneAbbreviation(summerMs, 'America/Los_Angeles')).toBe('PDT');
    expect(zoneAbbreviation(winterMs, 'Europe/London')).toBe('GMT');
    expect(zoneAbbreviation(winterMs, 'Asia/Tokyo')).toBe('GMT+9');
  });

  it('writes <time> with the ISO instant in the zone', () => {
    expect(timeTag(winterMs, 'Europe/Berlin')).toBe(
      '<time datetime="2026-11-20T15:05:00.000+01:00">20 Nov 2026, 15:05 CET</time>',
    );
    expect(formatClock(winterMs, 'Europe/Berlin')).toBe('15:05 CET');
    expect(formatMonth(Date.UTC(2026, 10, 30, 23, 30), 'Europe/Berlin')).toBe('December 2026');
  });

  it('shortens a window that ends on the same local day', () => {
    const sameDay = windowTags(winterMs, winterMs + 2 * 3_600_000, 'Europe/Berlin');
    expect(sameDay).toMatch(/>20 Nov 2026, 15:05 CET<\/time> – <time [^>]*>17:05 CET<\/time>$/);
    const nextDay = windowTags(winterMs, winterMs + 10 * 3_600_000, 'Europe/Berlin');
    expect(nextDay).toMatch(/>21 Nov 2026, 01:05 CET<\/time>$/);
  });
});

describe('numbers', () => {
  it.each([
    [1, '100%'],
    [0.99999, '99.99%'],
    [0.9995, '99.95%'],
    [0.999, '99.90%'],
    [0.5, '50.00%'],
    [57 / 100, '57.00%'],
    [0.99996, '99.99%'],
    [0, '0.00%'],
  ])('uptime %f reads %s (floored: any downtime is below 100%)', (ratio, expected) => {
    expect(formatUptimePercent(ratio)).toBe(expected);
  });

  it.each([
    [20_000, '1 min'],
    [45 * 60_000, '45 min'],
    [2 * 3_600_000 + 15 * 60_000, '2 h 15 min'],
    [3 * 3_600_000, '3 h'],
    [76 * 3_600_000, '3 d 4 h'],
  ])('%i ms lasts %s', (durationMs, expected) => {
    expect(formatDurationMs(durationMs)).toBe(expected);
  });
});
