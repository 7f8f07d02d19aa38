import { Histogram, type Registry } from 'prom-client';
import { escapeLabelValue, familyHeader, formatSampleValue } from './exposition.ts';
import type { GatewayMetrics } from './metrics.ts';

/** What the gauges read of each monitor at scrape time (the control plane's Monitoring views). */
export interface MonitorGaugeSource {
  readonly id: string;
  readonly state: string;
  readonly lastResult?:
    { readonly responseTimeMs: number; readonly certDaysLeft?: number | undefined } | undefined;
}

interface MonitorFamily {
  readonly name: string;
  readonly help: string;
  /** The monitor's sample, or undefined for none. */
  value(monitor: MonitorGaugeSource): number | undefined;
  /** Escaped label pairs after `monitor`, each with its leading comma. */
  moreLabels?(monitor: MonitorGaugeSource): string;
}

const families: readonly MonitorFamily[] = [
  {
    name: 'bulwark_monitor_up',
    help: '1 while the monitor is up or degraded, 0 while down (absent otherwise).',
    value: ({ state }) => (state === 'up' || state === 'degraded' ? 1 : state === 'down' ? 0 : undefined),
  },
  {
    // One series per monitor, not one per state: at 10,000 monitors six per monitor made a scrape 4 MiB.
    name: 'bulwark_monitor_state',
    help: 'Always 1, labelled with the state the monitor is in (count by (state) for a summary).',
    value: () => 1,
    moreLabels: ({ state }) => `,state="${escapeLabelValue(state)}"`,
  },
  {
    name: 'bulwark_monitor_response_time_seconds',
    help: 'The last check’s response time.',
    value: ({ lastResult }) => lastResult && lastResult.responseTimeMs / 1_000,
  },
  {
    name: 'bulwark_monitor_cert_days_left',
    help: 'Days until the checked certificate expires.',
    value: ({ lastResult }) => lastResult?.certDaysLeft,
  },
];

/**
 * Monitor gauges, read from the live monitors at every scrape (a removed monitor disappears), rendered as
 * text after the registry's series: as 40,000 prom-client children they cost ~200 ms a scrape (ADR 7).
 */
export function registerMonitorGauges(
  metrics: Pick<GatewayMetrics, 'addTextSeries'>,
  read: () => readonly MonitorGaugeSource[],
): void {
  metrics.addTextSeries(() => renderMonitorGauges(read()));
}

/** The four monitor families in the text format 0.0.4, each with its HELP and TYPE once. */
export function renderMonitorGauges(monitors: readonly MonitorGaugeSource[]): string {
  // Escaped once per monitor and shared by its four series.
  const monitorLabels = monitors.map((monitor) => `{monitor="${escapeLabelValue(monitor.id)}"`);
  return families.map((family) => renderFamily(family, monitors, monitorLabels)).join('\n');
}

function renderFamily(
  family: MonitorFamily,
  monitors: readonly MonitorGaugeSource[],
  monitorLabels: readonly string[],
): string {
  let text = familyHeader(family.name, family.help, 'gauge');
  monitors.forEach((monitor, i) => {
    const value = family.value(monitor);
    if (value === undefined) return;
    const labels = `${monitorLabels[i]}${family.moreLabels?.(monitor) ?? ''}}`;
    text += `${family.name}${labels} ${formatSampleValue(value)}\n`;
  });
  return text;
}

/**
 * How late each check started against its slot on the schedule: the figure a scheduler is judged by.
 * Returns the function that records one start.
 */
export function monitorLatenessHistogram(registry: Registry): (latenessMs: number) => void {
  const histogram = new Histogram({
    name: 'bulwark_monitor_schedule_lateness_seconds',
    help: 'How long after its scheduled time each check started.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return (latenessMs) => histogram.observe(latenessMs / 1_000);
}
