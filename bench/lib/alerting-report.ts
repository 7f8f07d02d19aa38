import type { LatencyCycle, LatencyResult } from './alerting-latency.ts';
import type { StormHalf, StormResult } from './alerting-storm.ts';
import { median } from './report.ts';

/** The tables bench/alerting.ts prints, in the shape docs/benchmarks.md carries. */

/** Issue 6: a firing notice within 1 s beyond group_wait, a resolution within 1 s. */
export const targetMs = { beyondGroupWait: 1_000, resolved: 1_000 } as const;

export const msOf = (ms: number): string => (Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : '—');
export const sOf = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '—');
const verdict = (isMet: boolean): string => (isMet ? 'met' : '**missed**');
export const pct = (share: number | undefined): string =>
  share === undefined ? '—' : `${(share * 100).toFixed(1)}%`;
export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
/** Milliseconds below 10 s, seconds above: a 300 ms notice and a 40 s one in the same column. */
export const durationOf = (ms: number): string =>
  !Number.isFinite(ms) ? '—' : ms < 10_000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`;
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

export function latencyTable(r: LatencyResult): string {
  const { cycles } = r;
  const row = (measure: string, pick: (c: LatencyCycle) => number, limitMs?: number): string => {
    const values = cycles.map(pick);
    const maxMs = Math.max(...values);
    const target = limitMs === undefined ? '| |' : `| ≤ ${msOf(limitMs)} | ${verdict(maxMs <= limitMs)} |`;
    return `| ${measure} | ${msOf(median(values))} | ${msOf(Math.min(...values))} | ${msOf(maxMs)} ${target}`;
  };
  const extra = cycles.filter((c) => c.notifications !== 2).map((c) => `${c.monitor}: ${c.notifications}`);
  return [
    `${cycles.length} down/up cycles, one monitor each, each monitor its own group (\`component: cN\`):`,
    '',
    '| measure | median | min | max | target | |',
    '|---|--:|--:|--:|---|---|',
    row('firing webhook − crossing check − group_wait', (c) => c.firingMs, targetMs.beyondGroupWait),
    row("firing webhook − Bulwark's `since` − group_wait", (c) => c.firingFromSinceMs),
    row('resolved webhook − recovery crossing check', (c) => c.resolvedMs, targetMs.resolved),
    row("resolved webhook − Bulwark's `since` of the recovery", (c) => c.resolvedFromSinceMs),
    row('detection: flip → crossing check (not alerting)', (c) => c.detectMs),
    '',
    `Notifications per group per cycle: ${extra.length === 0 ? 'exactly 2 (first, resolved) in every cycle' : `not 2 in ${extra.join(', ')}`}.`,
  ].join('\n');
}

export function stormTable(r: StormResult): string {
  const n = r.scenario.monitorCount;
  return [
    `${int(n)} monitors, all \`component: storefront\` (one route, one group), flipped at once:`,
    '',
    ...stormRows(r.down, r.up, {
      n,
      startLabel: 'threshold crossings after the flip (upstream), first – last',
      hasReasons: true,
    }),
    '',
    `Bulwark over the storm (${r.windowS.toFixed(0)} s from the first flip): CPU ${pct(r.cpuShare)} of one core ` +
      `(${pct(r.baselineCpuShare)} in the 5 s before, every monitor up), ` +
      `RSS peak ${mib(r.peakRssBytes)}; outbox at the end: ${r.outbox.pending} pending, ${r.outbox.dead} dead.`,
  ].join('\n');
}

/** The two halves of a storm as table rows; `startLabel` says what each alert's start is on that side. */
export function stormRows(
  down: StormHalf,
  up: StormHalf,
  o: { n: number; startLabel: string; hasReasons: boolean },
): string[] {
  const groups = (h: StormHalf) => new Set(h.notifications.map((x) => x.groupKey)).size;
  const reasons = (h: StormHalf): string => {
    const counts = new Map<string, number>();
    for (const x of h.notifications) counts.set(x.reason, (counts.get(x.reason) ?? 0) + 1);
    return [...counts].map(([reason, count]) => `${reason} ${count}`).join(', ');
  };
  const bytes = (h: StormHalf) => h.notifications.reduce((sum, x) => sum + x.bodyBytes, 0);
  const alerts = (h: StormHalf) => h.notifications.reduce((sum, x) => sum + x.alerts.length, 0);
  const line = (measure: string, pick: (h: StormHalf) => string) =>
    `| ${measure} | ${pick(down)} | ${pick(up)} |`;
  return [
    '| measure | going down (firing) | recovering (resolved) |',
    '|---|---|---|',
    line(o.startLabel, (h) => `${sOf(h.firstCrossingMs)} – ${sOf(h.lastCrossingMs)}`),
    line('webhook requests (distinct groups)', (h) => `${h.notifications.length} (${groups(h)})`),
    ...(o.hasReasons ? [line('by notification_reason', (h) => reasons(h) || '—')] : []),
    line('first → last webhook request', (h) =>
      msOf((h.notifications.at(-1)?.receivedAtMs ?? NaN) - (h.notifications[0]?.receivedAtMs ?? NaN)),
    ),
    line('alerts delivered with that status', (h) => `${int(h.monitorsDelivered)} of ${int(o.n)}`),
    line('alerts starting after the first notification arrived', (h) =>
      int(h.crossingsAfterFirstNotification),
    ),
    line(
      'per alert: notified − its start, median / max',
      (h) => `${durationOf(h.notifiedAfterCrossingMs.median)} / ${durationOf(h.notifiedAfterCrossingMs.max)}`,
    ),
    line(
      'alerts carried, bytes sent',
      (h) => `${int(alerts(h))}, ${(bytes(h) / 1024 / 1024).toFixed(1)} MiB`,
    ),
  ];
}

export function stormTargetLines(r: StormResult): string {
  const n = r.scenario.monitorCount;
  const firingCount = r.down.notifications.length;
  const upCount = r.up.notifications.length;
  const isNoneLost = r.down.monitorsDelivered === n && r.up.monitorsDelivered === n && r.outbox.dead === 0;
  const beyondWaitMs = r.down.notifiedAfterCrossingMs.max - r.scenario.settings.groupWaitMs;
  const resolvedMs = r.up.notifiedAfterCrossingMs.max;
  return [
    '| target | measured | |',
    '|---|---|---|',
    `| firing ≤ 1 s beyond group_wait, slowest monitor | +${msOf(beyondWaitMs)} | ${verdict(beyondWaitMs <= targetMs.beyondGroupWait)} |`,
    `| resolved ≤ 1 s, slowest monitor | ${msOf(resolvedMs)} | ${verdict(resolvedMs <= targetMs.resolved)} |`,
    `| at most one firing notification per route and group | ${firingCount} | ${verdict(firingCount <= 1)} |`,
    `| at most one resolution notification per route and group | ${upCount} | ${verdict(upCount <= 1)} |`,
    `| none lost (every monitor delivered firing and resolved; nothing dead-lettered) | ${int(r.down.monitorsDelivered)} / ${int(r.up.monitorsDelivered)} of ${int(n)}, ${r.outbox.dead} dead | ${verdict(isNoneLost)} |`,
  ].join('\n');
}
