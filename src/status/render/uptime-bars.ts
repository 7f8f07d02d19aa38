import type { DayUptime } from '../view.ts';
import { escapeHtml } from './html.ts';
import { formatUptimePercent } from './time-format.ts';

// Each day is a 2-unit bar and a 1-unit gap: the stroke-dasharray "2 1" in styles.ts draws them.
const dayPitch = 3;
const barsHeight = 24;

/** A class in styles.ts: '' up, g degraded, p partial outage, d major outage, m not counted, n no data. */
type BarClass = '' | 'g' | 'p' | 'd' | 'm' | 'n';

// Below 99% a day lost more than ~14 minutes: shown as a major outage rather than a partial one.
const majorOutageBelow = 0.99;

function barClassOf(day: DayUptime): BarClass {
  if (day.uptime === null) return day.excludedMs > 0 ? 'm' : 'n';
  if (day.downMs === 0) return day.degradedMs === 0 ? '' : 'g';
  return day.uptime >= majorOutageBelow ? 'p' : 'd';
}

const notCounted = 'not counted (maintenance or paused)';

// Ceiling: a 20-second outage reads "1 min down", not "0 min down".
const minutes = (ms: number): number => Math.ceil(ms / 60_000);

/**
 * "99.37% up, 9 min down, 4 min degraded"; "not counted (maintenance or paused)" for a day observed only in
 * maintenance or paused; "no data" for a day nothing observed.
 */
export function dayUptimeLabel(day: DayUptime): string {
  if (day.uptime === null) return day.excludedMs > 0 ? notCounted : 'no data';
  const parts = [`${formatUptimePercent(day.uptime)} up`];
  if (day.downMs > 0) parts.push(`${minutes(day.downMs)} min down`);
  if (day.degradedMs > 0) parts.push(`${minutes(day.degradedMs)} min degraded`);
  return parts.join(', ');
}

interface Run {
  readonly firstIndex: number;
  readonly days: DayUptime[];
  readonly barClass: BarClass;
  readonly label: string;
}

// Consecutive days that read the same (most are "100% up") share one path and one tooltip: one element
// per day made the bars 80% of the home page's bytes.
function runsOf(days: readonly DayUptime[]): Run[] {
  const runs: Run[] = [];
  days.forEach((day, index) => {
    const barClass = barClassOf(day);
    const label = dayUptimeLabel(day);
    const last = runs.at(-1);
    if (last && last.barClass === barClass && last.label === label) last.days.push(day);
    else runs.push({ firstIndex: index, days: [day], barClass, label });
  });
  return runs;
}

function renderRun(run: Run): string {
  const first = run.days[0]?.date ?? '';
  const last = run.days.at(-1)?.date ?? '';
  // The days are UTC days (the rollups are), whatever zone the footer names: the tooltip says so.
  const dates = run.days.length > 1 ? `${first} to ${last} (UTC)` : `${first} (UTC)`;
  const classAttribute = run.barClass === '' ? '' : ` class="${run.barClass}"`;
  const lengthUnits = run.days.length * dayPitch - 1;
  return (
    `<path d="M${run.firstIndex * dayPitch},${barsHeight / 2}h${lengthUnits}"${classAttribute}>` +
    `<title>${escapeHtml(dates)}: ${run.label}</title></path>`
  );
}

function summaryOf(name: string, days: readonly DayUptime[], uptime90d: number | null): string {
  const downDays = days.filter((day) => day.downMs > 0).length;
  const noDataDays = days.filter((day) => day.uptime === null && day.excludedMs === 0).length;
  const notCountedDays = days.filter((day) => day.uptime === null && day.excludedMs > 0).length;
  const uptime = uptime90d === null ? 'no data' : formatUptimePercent(uptime90d);
  const plural = (count: number): string => (count === 1 ? 'day' : 'days');
  return (
    `${name}, uptime over the last ${days.length} UTC days: ${uptime}; ${downDays} ${plural(downDays)} with downtime` +
    (noDataDays > 0 ? `, ${noDataDays} ${plural(noDataDays)} without data` : '') +
    (notCountedDays > 0
      ? `, ${notCountedDays} ${plural(notCountedDays)} not counted (maintenance or paused)`
      : '')
  );
}

/**
 * One inline SVG of a component's days, oldest first. It is a single image to assistive technology (its
 * label sums the days up); the per-day tooltips are for pointers, the per-day table is on /components/{id}.
 */
export function renderUptimeBars(name: string, days: readonly DayUptime[], uptime90d: number | null): string {
  if (days.length === 0) return '';
  const widthUnits = days.length * dayPitch - 1;
  return (
    `<svg class="bars" viewBox="0 0 ${widthUnits} ${barsHeight}" preserveAspectRatio="none" role="img" ` +
    `aria-label="${escapeHtml(summaryOf(name, days, uptime90d))}">` +
    runsOf(days).map(renderRun).join('') +
    '</svg>'
  );
}
