import { patternName, type FlappingGroup, type FlappingResult } from './alerting-flapping-plan.ts';
import { gistOf, type DeliveredNotification } from './webhook-inbox.ts';
import { durationOf } from './alerting-report.ts';
import { median } from './report.ts';

/** The flapping scenario's tables: notifications per group on each side, and what they said. */

export interface FlappingSide {
  readonly name: string;
  readonly result: FlappingResult;
}

const hourMs = 3_600_000;
const secondsOf = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Per-group counts joined ("14 · 15 · 14"): with a few groups a list says more than a median. */
const each = (groups: readonly FlappingGroup[], pick: (g: FlappingGroup) => number): string =>
  groups.map((g) => String(pick(g))).join(' · ');

/** Notifications per hour of sustained churn, from each group's second half, averaged over the groups. */
const perHourOf = (groups: readonly FlappingGroup[]): number =>
  groups.reduce((sum, g) => sum + (g.steadyCount / (g.churnMs / 2)) * hourMs, 0) / Math.max(1, groups.length);

export function flappingTable(sides: readonly FlappingSide[]): string {
  const first = sides[0]?.result;
  if (!first) return '';
  const patterns = [...new Set(first.groups.map((g) => patternName(g.pattern)))];
  const rows = patterns.flatMap((pattern) =>
    sides.map(({ name, result }) => {
      const groups = result.groups.filter((g) => patternName(g.pattern) === pattern);
      const churnMs = median(groups.map((g) => g.churnMs));
      return (
        `| ${pattern}, ${durationOf(churnMs)} | ${name} | ${each(groups, (g) => g.outages)} ` +
        `| ${each(groups, (g) => g.duringChurn.length)} | ${perHourOf(groups).toFixed(0)} ` +
        `| ${each(groups, (g) => g.afterChurn.length)} | ${result.hasFlapDetection ? flapSpanOf(groups) : 'none'} |`
      );
    }),
  );
  const s = first.settings;
  const checksS = s.intervalMs / 1000;
  return [
    `Repeated flapping, both sides at once: each service down and up again for the whole churn (each phase its ` +
      `nominal length ± the jitter shown, uniform; both sides get the same phases), then up for good; ` +
      `each alone in its group (group_wait ${secondsOf(s.groupWaitMs)}, group_interval ${secondsOf(s.groupIntervalMs)}). ` +
      `Bulwark: an HTTP monitor every ${checksS} s, failure_threshold ${s.failureThreshold}, success_threshold ` +
      `${s.successThreshold}. Alertmanager: the bench's Prometheus scrapes and evaluates every ${checksS} s, ` +
      `for: ${(s.failureThreshold - 1) * checksS}s, keep_firing_for: ${(s.successThreshold - 1) * checksS}s ` +
      `(the same hysteresis). Per hour: from each group's second half of the churn. The bench listened ` +
      `${secondsOf(first.listenAfterMs)} after each churn. Values per group, one per monitor:`,
    '',
    '| churn | side | outages (threshold crossings) | notifications during the churn | per hour, sustained (mean) | after the churn | flapping: on after start / off after end |',
    '|---|---|--:|--:|--:|--:|---|',
    ...rows,
    '',
    'What they said (notification status: each alert and its status), all groups of a pattern together:',
    '',
    ...patterns.flatMap((pattern) =>
      sides.map(({ name, result }) => {
        const groups = result.groups.filter((g) => patternName(g.pattern) === pattern);
        const during = gistsOf(groups.flatMap((g) => g.duringChurn));
        const after = gistsOf(groups.flatMap((g) => g.afterChurn));
        return `- ${pattern}, ${name}: during: ${during}; after: ${after}`;
      }),
    ),
  ].join('\n');
}

/** "resolved: monitor-down (resolved) ×40, …" in order of first appearance. */
function gistsOf(heard: readonly DeliveredNotification[]): string {
  const counts = new Map<string, number>();
  for (const n of heard) counts.set(gistOf(n), (counts.get(gistOf(n)) ?? 0) + 1);
  return counts.size === 0 ? 'nothing' : [...counts].map(([gist, n]) => `${gist} ×${n}`).join('; ');
}

/** Bulwark's flapping verdict per group. */
function flapSpanOf(groups: readonly FlappingGroup[]): string {
  return groups
    .map((g) => {
      if (g.flappingFromMs === undefined) return 'never';
      const until = g.flappingUntilMs ?? Number.NaN;
      // The verdict can also clear mid-churn, when a run of longer phases lowers the score below 25%.
      const off = Number.isNaN(until)
        ? 'still on'
        : until < 0
          ? `${secondsOf(-until)} before end`
          : secondsOf(until);
      return `${secondsOf(g.flappingFromMs)} / ${off}`;
    })
    .join(' · ');
}

/** Per pattern, both sides in the shape of the side-by-side table, with which side was louder and by how much. */
export function flappingSideBySide(bulwark: FlappingResult, peer: FlappingResult, version: string): string {
  const patterns = [...new Set(bulwark.groups.map((g) => patternName(g.pattern)))];
  const mean = (groups: readonly FlappingGroup[], pick: (g: FlappingGroup) => number): number =>
    groups.reduce((sum, g) => sum + pick(g), 0) / Math.max(1, groups.length);
  const louder = (b: number, p: number): string => {
    if (Math.abs(b - p) < 0.05) return 'even';
    if (b === 0 || p === 0)
      return b > p ? 'Bulwark (Alertmanager sent none)' : 'Alertmanager (Bulwark sent none)';
    return b > p ? `Bulwark, ${(b / p).toFixed(1)}×` : `Alertmanager, ${(p / b).toFixed(1)}×`;
  };
  const rows = patterns.flatMap((pattern) => {
    const ofPattern = (r: FlappingResult) => r.groups.filter((g) => patternName(g.pattern) === pattern);
    const [b, p] = [ofPattern(bulwark), ofPattern(peer)];
    const churnMs = median(b.map((g) => g.churnMs));
    const line = (measure: string, bValue: number, pValue: number, digits: number): string =>
      `| ${measure} | ${bValue.toFixed(digits)} | ${pValue.toFixed(digits)} | ${louder(bValue, pValue)} |`;
    return [
      line(
        `flapping: ${pattern}, ${b.length} groups, ${(churnMs / 60_000).toFixed(1)} min: notifications per group during the churn, mean`,
        mean(b, (g) => g.duringChurn.length),
        mean(p, (g) => g.duringChurn.length),
        1,
      ),
      line('… per group per hour of sustained churn', perHourOf(b), perHourOf(p), 0),
      line(
        '… per group after the churn, mean',
        mean(b, (g) => g.afterChurn.length),
        mean(p, (g) => g.afterChurn.length),
        1,
      ),
    ];
  });
  return [
    `| scenario and measure | Bulwark | Alertmanager ${version} | louder |`,
    '|---|--:|--:|---|',
    ...rows,
  ].join('\n');
}
