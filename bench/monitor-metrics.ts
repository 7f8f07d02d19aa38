import {
  GatewayMetrics,
  monitorLatenessHistogram,
  registerMonitorGauges,
  type MonitorGaugeSource,
} from '../src/observability/index.ts';
import { benchArgs } from './lib/args.ts';

/**
 * What one /metrics scrape costs with `monitors` monitors: the registry of a single process (gateway series,
 * process metrics, the lateness histogram) plus the per-monitor series, rendered `scrapes` times after a
 * warm-up; prints the median and slowest wall and CPU time of a render and the size of the text. Nothing else
 * runs in the process, so a render's wall time is the event-loop time a scrape takes on an idle machine.
 *   node bench/monitor-metrics.ts [--monitors 10000] [--scrapes 15]
 */

const { values } = benchArgs(import.meta.url, {
  options: { monitors: { type: 'string', default: '10000' }, scrapes: { type: 'string', default: '15' } },
});
const monitorCount = Number(values.monitors);
const scrapeCount = Number(values.scrapes);
const warmUps = 3;

// A fleet as the 10k bench sees it, plus the states and certificates a real one has: 90% up, 4% degraded,
// 3% down, 1% each paused, in maintenance and unknown (no result yet); every other monitor checks https.
const states = ['up', 'degraded', 'down', 'paused', 'maintenance', 'unknown'] as const;
const stateOf = (i: number): (typeof states)[number] => {
  const slot = i % 100;
  if (slot < 90) return 'up';
  if (slot < 94) return 'degraded';
  if (slot < 97) return 'down';
  return states[slot - 94] ?? 'unknown';
};
const monitors: MonitorGaugeSource[] = Array.from({ length: monitorCount }, (_, i) => {
  const state = stateOf(i);
  const id = `svc-${String(i).padStart(5, '0')}-health`;
  if (state === 'unknown') return { id, state };
  const lastResult = {
    responseTimeMs: 3 + (i % 400) + (i % 7) / 10,
    certDaysLeft: i % 2 ? 30 + (i % 60) : undefined,
  };
  return { id, state, lastResult };
});

const metrics = new GatewayMetrics();
registerMonitorGauges(metrics, () => monitors);
const recordLateness = monitorLatenessHistogram(metrics.registry);
for (let i = 0; i < monitorCount; i++) recordLateness(i % 50);

const wallMs: number[] = [];
const cpuMs: number[] = [];
let bytes = 0;
for (let i = 0; i < warmUps + scrapeCount; i++) {
  const startedAtMs = performance.now();
  const cpuBefore = process.cpuUsage();
  const text = await metrics.metricsText();
  const cpu = process.cpuUsage(cpuBefore);
  if (i >= warmUps) {
    wallMs.push(performance.now() - startedAtMs);
    cpuMs.push((cpu.user + cpu.system) / 1_000);
  }
  bytes = Buffer.byteLength(text);
}
metrics.close();

// The machine may be shared: CPU time (process-wide, GC threads included) is steadier than wall time.
const median = (values: number[]): string =>
  (values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN).toFixed(1);
const slowest = (values: number[]): string => Math.max(...values).toFixed(1);
console.log(
  `${monitorCount} monitors, ${scrapeCount} scrapes after ${warmUps} warm-ups: ` +
    `wall median ${median(wallMs)} ms (slowest ${slowest(wallMs)}), ` +
    `CPU median ${median(cpuMs)} ms (slowest ${slowest(cpuMs)}), ${(bytes / 1024 / 1024).toFixed(2)} MiB`,
);
