import type { FlapResult } from './alerting-flap.ts';
import type { LatencyResult } from './alerting-latency.ts';
import { durationOf, int, mib, pct, stormRows } from './alerting-report.ts';
import type { StormResult } from './alerting-storm.ts';
import type { PeerLatencyResult } from './alertmanager-latency.ts';
import type { PeerStormResult } from './alertmanager-storm.ts';
import { median } from './report.ts';

/** The Alertmanager side of bench/alerting.ts, and the side-by-side table docs/benchmarks.md carries. */

const ratioOf = (peerMs: number, bulwarkMs: number): string =>
  Number.isFinite(peerMs / bulwarkMs) && bulwarkMs > 0 ? `${(peerMs / bulwarkMs).toFixed(0)}×` : '';

export function peerLatencyTable(r: PeerLatencyResult, version: string): string {
  const { cycles } = r;
  const row = (measure: string, values: readonly number[]): string =>
    `| ${measure} | ${durationOf(median(values))} | ${durationOf(Math.min(...values))} | ${durationOf(Math.max(...values))} |`;
  const extra = cycles.filter((c) => c.notifications !== 2).map((c) => `${c.monitor}: ${c.notifications}`);
  return [
    `Alertmanager ${version}: ${cycles.length} alerts, each alone in its group, fired and resolved by the bench:`,
    '',
    '| measure | median | min | max |',
    '|---|--:|--:|--:|',
    row(
      'firing webhook − firing POST − group_wait',
      cycles.map((c) => c.firingMs),
    ),
    row(
      'resolved webhook − resolving POST',
      cycles.map((c) => c.resolvedMs),
    ),
    row(
      'resolving POST − firing webhook (random phase)',
      cycles.map((c) => c.recoveryAfterNoticeMs),
    ),
    '',
    `Notifications per group: ${extra.length === 0 ? 'exactly 2 (firing, resolved) for every alert' : `not 2 for ${extra.join(', ')}`}; ` +
      `${int(r.resendPosts)} re-sends from the bench.${resendNote(r.resendFailures)}`,
  ].join('\n');
}

export function flapTable(sides: readonly { name: string; result: FlapResult }[]): string {
  const first = sides[0]?.result;
  if (!first) return '';
  return [
    `${first.episodes.length} alerts, each alone in its group, fired and resolved inside group_wait ` +
      `(${durationOf(first.groupWaitMs)}); the bench listened ${durationOf(first.listenMs)} after each fired:`,
    '',
    '| | fired → resolved, median | groups told | notifications heard | first notice − recovery, median |',
    '|---|--:|---|---|--:|',
    ...sides.map(({ name, result }) => {
      const told = result.episodes.filter((e) => e.statuses.length > 0);
      const notices = told.map((e) => e.noticeAfterRecoveryMs);
      return (
        `| ${name} | ${durationOf(median(result.episodes.map((e) => e.episodeMs)))} ` +
        `| ${told.length} of ${result.episodes.length} | ${heardOf(result)} ` +
        `| ${told.length === 0 ? 'never' : durationOf(median(notices))} |`
      );
    }),
  ].join('\n');
}

export function peerStormTable(r: PeerStormResult, version: string): string {
  return [
    `Alertmanager ${version}: ${int(r.monitorCount)} alerts, all \`component: storefront\` (one group), posted over one interval:`,
    '',
    ...stormRows(r.down, r.up, {
      n: r.monitorCount,
      startLabel: 'POSTs after the half began, first – last',
      hasReasons: false,
    }),
    '',
    `Alertmanager over the storm (${r.windowS.toFixed(0)} s): CPU ${pct(r.cpuShare)} of one core, ` +
      `RSS peak ${mib(r.peakRssBytes)}; ${int(r.posts)} POSTs from the bench (${int(r.resendPosts)} re-sends).` +
      resendNote(r.resendFailures),
  ].join('\n');
}

export interface SideBySide {
  readonly version: string;
  readonly latency: { bulwark: LatencyResult | undefined; peer: PeerLatencyResult | undefined } | undefined;
  readonly flap: { bulwark: FlapResult | undefined; peer: FlapResult | undefined } | undefined;
  readonly storm: { bulwark: StormResult | undefined; peer: PeerStormResult | undefined } | undefined;
}

/** One row per measure, both sides; a side that failed or did not run shows a dash. */
export function sideBySideTable(s: SideBySide): string {
  const rows: string[] = [];
  const row = (scenario: string, measure: string, bulwark: string, peer: string, ratio = ''): void =>
    void rows.push(`| ${scenario} | ${measure} | ${bulwark} | ${peer} | ${ratio} |`);
  const medianMax = (values: readonly number[] | undefined): [number, string] => {
    if (!values) return [Number.NaN, '—'];
    const mid = median(values);
    return [mid, `${durationOf(mid)} (${durationOf(Math.max(...values))})`];
  };
  const { bulwark: bl, peer: pl } = s.latency ?? {};
  if (bl || pl) {
    const n = (bl?.cycles ?? pl?.cycles ?? []).length;
    const [, bFiring] = medianMax(bl?.cycles.map((c) => c.firingMs));
    const [, pFiring] = medianMax(pl?.cycles.map((c) => c.firingMs));
    row(
      `latency: ${n} alerts, one per group`,
      'firing notice − start − group_wait, median (max)',
      bFiring,
      pFiring,
    );
    const [bMid, bResolved] = medianMax(bl?.cycles.map((c) => c.resolvedMs));
    const [pMid, pResolved] = medianMax(pl?.cycles.map((c) => c.resolvedMs));
    row('', 'resolved notice − recovery, median (max)', bResolved, pResolved, ratioOf(pMid, bMid));
  }
  const { bulwark: bf, peer: pf } = s.flap ?? {};
  const flapResult = bf ?? pf;
  if (flapResult) {
    const scenario = `flap: ${flapResult.episodes.length} alerts fired and resolved inside group_wait (${durationOf(flapResult.groupWaitMs)})`;
    const told = (r: FlapResult | undefined) =>
      r
        ? `${r.episodes.filter((e) => e.statuses.length > 0).length} of ${r.episodes.length}: ${heardOf(r)}`
        : '—';
    row(scenario, 'groups told', told(bf), told(pf));
    const noticeOf = (r: FlapResult | undefined): string => {
      const notices = r?.episodes.filter((e) => e.statuses.length > 0).map((e) => e.noticeAfterRecoveryMs);
      if (!r || !notices) return '—';
      return notices.length === 0
        ? `never (listened ${durationOf(r.listenMs)})`
        : durationOf(median(notices));
    };
    row('', 'first notice − recovery, median', noticeOf(bf), noticeOf(pf));
  }
  const { bulwark: bs, peer: ps } = s.storm ?? {};
  const stormN = bs?.scenario.monitorCount ?? ps?.monitorCount;
  if (stormN !== undefined) {
    const count = (n: number | undefined) => (n === undefined ? '—' : int(n));
    row(
      `storm: ${int(stormN)} alerts, one group`,
      'firing notifications',
      count(bs?.down.notifications.length),
      count(ps?.down.notifications.length),
    );
    row(
      '',
      'resolution notifications',
      count(bs?.up.notifications.length),
      count(ps?.up.notifications.length),
    );
    const delivered = (d: number | undefined, u: number | undefined) =>
      d === undefined || u === undefined ? '—' : `${int(d)} / ${int(u)}`;
    row(
      '',
      'delivered firing / resolved',
      delivered(bs?.down.monitorsDelivered, bs?.up.monitorsDelivered),
      delivered(ps?.down.monitorsDelivered, ps?.up.monitorsDelivered),
    );
    const upOf = (h: { median: number; max: number } | undefined) =>
      h ? `${durationOf(h.median)} (${durationOf(h.max)})` : '—';
    row(
      '',
      'resolved notice − its recovery, per alert median (max)',
      upOf(bs?.up.notifiedAfterCrossingMs),
      upOf(ps?.up.notifiedAfterCrossingMs),
      ratioOf(ps?.up.notifiedAfterCrossingMs.median ?? NaN, bs?.up.notifiedAfterCrossingMs.median ?? NaN),
    );
  }
  return [
    `| scenario | measure | Bulwark | Alertmanager ${s.version} | Alertmanager ÷ Bulwark |`,
    '|---|---|--:|--:|--:|',
    ...rows,
    '',
    "Start: for Bulwark the upstream's arrival of the threshold-crossing check (its monitor's detection); " +
      "for Alertmanager the start of the bench's POST /api/v2/alerts (its pipeline only).",
  ].join('\n');
}

/** "resolved ×5", or "nothing": each group's notifications as a sequence of statuses, counted. */
function heardOf(r: FlapResult): string {
  const counts = new Map<string, number>();
  for (const e of r.episodes) {
    if (e.statuses.length === 0) continue;
    const key = e.statuses.join(' → ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts.size === 0 ? 'nothing' : [...counts].map(([key, n]) => `${key} ×${n}`).join(', ');
}

function resendNote(failures: readonly string[]): string {
  return failures.length === 0 ? '' : ` ${failures.length} re-sends failed: ${failures[0]}`;
}
