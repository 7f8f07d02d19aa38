import { Gauge, Histogram, type Registry } from 'prom-client';

/** What the gauges read of each monitor at scrape time (the control plane's Monitoring views). */
export interface MonitorGaugeSource {
  readonly id: string;
  readonly state: string;
  readonly lastResult?:
    { readonly responseTimeMs: number; readonly certDaysLeft?: number | undefined } | undefined;
}

/** Monitor gauges, read from the live monitors at every scrape; a removed monitor disappears. */
export function registerMonitorGauges(registry: Registry, read: () => readonly MonitorGaugeSource[]): void {
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge) => void): void =>
    void new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        fill(this);
      },
    });
  gauge(
    'bulwark_monitor_up',
    '1 while the monitor is up or degraded, 0 while down (absent otherwise).',
    ['monitor'],
    (g) => {
      for (const m of read())
        if (m.state === 'up' || m.state === 'degraded' || m.state === 'down')
          g.set({ monitor: m.id }, Number(m.state !== 'down'));
    },
  );
  gauge(
    'bulwark_monitor_state',
    'Always 1, labelled with the state the monitor is in (count by (state) for a summary).',
    ['monitor', 'state'],
    // One series per monitor, not one per state: at 10,000 monitors six per monitor made a scrape 4 MiB.
    (g) => {
      for (const m of read()) g.set({ monitor: m.id, state: m.state }, 1);
    },
  );
  gauge('bulwark_monitor_response_time_seconds', 'The last check’s response time.', ['monitor'], (g) => {
    for (const m of read()) if (m.lastResult) g.set({ monitor: m.id }, m.lastResult.responseTimeMs / 1_000);
  });
  gauge('bulwark_monitor_cert_days_left', 'Days until the checked certificate expires.', ['monitor'], (g) => {
    for (const m of read()) {
      const days = m.lastResult?.certDaysLeft;
      if (days !== undefined) g.set({ monitor: m.id }, days);
    }
  });
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
