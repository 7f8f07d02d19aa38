import type { MonitorSignal } from '../alerting/sources/monitor-alerts.ts';
import type { MonitorView } from '../monitor/monitoring.ts';
import type { MonitorSpec } from '../monitor/spec.ts';

/** What alerting needs of a monitor, from monitoring's view of it and its config. */
export function monitorSignalOf(view: MonitorView, spec: MonitorSpec): MonitorSignal {
  const last = view.lastResult;
  return {
    id: view.id,
    name: view.name,
    state: view.state,
    sinceMs: view.sinceMs,
    isFlapping: view.isFlapping,
    certDaysLeft: last?.certDaysLeft,
    message: last && last.verdict !== 'up' ? last.message : undefined,
    labels: spec.labels ?? {},
  };
}
