import { describe, expect, it } from 'vitest';
import type { DayUptime } from '../view.ts';
import { dayUptimeLabel, renderUptimeBars } from './uptime-bars.ts';

const dayMs = 86_400_000;
const up = (date: string): DayUptime => ({
  date,
  upMs: dayMs,
  degradedMs: 0,
  downMs: 0,
  excludedMs: 0,
  uptime: 1,
});
const noData = (date: string): DayUptime => ({
  date,
  upMs: 0,
  degradedMs: 0,
  downMs: 0,
  excludedMs: 0,
  uptime: null,
});
const inMaintenance = (date: string): DayUptime => ({ ...noData(date), excludedMs: dayMs });
const down = (date: string, downMs: number): DayUptime => ({
  date,
  upMs: dayMs - downMs,
  degradedMs: 0,
  downMs,
  excludedMs: 0,
  uptime: (dayMs - downMs) / dayMs,
});
const degraded = (date: string): DayUptime => ({
  date,
  upMs: dayMs - 600_000,
  degradedMs: 600_000,
  downMs: 0,
  excludedMs: 0,
  uptime: 1,
});

describe('renderUptimeBars', () => {
  const days = [
    up('2026-11-01'),
    up('2026-11-02'),
    down('2026-11-03', 60_000),
    down('2026-11-04', 3_600_000),
    degraded('2026-11-05'),
    noData('2026-11-06'),
    noData('2026-11-07'),
    inMaintenance('2026-11-08'),
  ];
  const svg = renderUptimeBars('API <b>', days, 0.99);

  it('is one labelled image summing the days up, saying they are UTC days', () => {
    expect(svg.match(/<svg/g)).toHaveLength(1);
    expect(svg).toContain('role="img"');
    expect(svg).toContain(
      'aria-label="API &lt;b&gt;, uptime over the last 8 UTC days: 99.00%; 2 days with downtime, 2 days without data, 1 day not counted (maintenance or paused)"',
    );
    expect(svg).not.toMatch(/tabindex|<a /);
  });

  it('draws runs of days that read the same as one path, each with its tooltip naming the days as UTC', () => {
    const paths = [
      ...svg.matchAll(/<path d="M(\d+),12h(\d+)"(?: class="(\w)")?><title>([^<]*)<\/title><\/path>/g),
    ].map(([, x, length, barClass, title]) => ({ x: Number(x), length: Number(length), barClass, title }));
    expect(paths).toEqual([
      { x: 0, length: 5, barClass: undefined, title: '2026-11-01 to 2026-11-02 (UTC): 100% up' },
      { x: 6, length: 2, barClass: 'p', title: '2026-11-03 (UTC): 99.93% up, 1 min down' },
      { x: 9, length: 2, barClass: 'd', title: '2026-11-04 (UTC): 95.83% up, 60 min down' },
      { x: 12, length: 2, barClass: 'g', title: '2026-11-05 (UTC): 100% up, 10 min degraded' },
      { x: 15, length: 5, barClass: 'n', title: '2026-11-06 to 2026-11-07 (UTC): no data' },
      { x: 21, length: 2, barClass: 'm', title: '2026-11-08 (UTC): not counted (maintenance or paused)' },
    ]);
  });

  it('is empty for a component without days (a group)', () => {
    expect(renderUptimeBars('Group', [], null)).toBe('');
  });

  it('labels a day without observations "no data"', () => {
    expect(dayUptimeLabel(noData('2026-11-06'))).toBe('no data');
  });

  it('tells a day spent in maintenance from a day without data', () => {
    expect(dayUptimeLabel(inMaintenance('2026-11-08'))).toBe('not counted (maintenance or paused)');
  });
});
