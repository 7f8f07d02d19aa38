import type { MonitorSignal } from '../alerting/sources/monitor-alerts.ts';
import type { MonitorView } from '../monitor/monitoring.ts';
import type { MonitorSpec } from '../monitor/spec.ts';

/**
 * What alerting needs of a monitor, from monitoring's view of it and its config. Paused or in maintenance, it
 * signals what it says under them (heldWord): the alerts it raised stand, muted by a window, and after a restart
 * they are raised again instead of resolving as alerts no source reports.
 */
export function monitorSignalOf(view: MonitorView, spec: MonitorSpec): MonitorSignal {
  const last = view.lastResult;
  const word = view.heldWord ?? { state: view.state, sinceMs: view.sinceMs };
  return {
    id: view.id,
    name: view.name,
    state: word.state,
    sinceMs: word.sinceMs,
    isInMaintenance: view.state === 'maintenance',
    isFlapping: view.isFlapping,
    certDaysLeft: last?.certDaysLeft,
    message: last && last.verdict !== 'up' ? last.message : undefined,
    labels: spec.labels ?? {},
  };
}
