import { isActiveMaintenance, type Maintenance, type MaintenanceStatus } from '../model.ts';

/**
 * The automatic part of a maintenance's life, scheduled → in_progress → (verifying) → completed, for those
 * with autoTransition. verifying is only ever set by a person; the clock still completes it at scheduledUntil.
 */

export interface Transition {
  readonly status: MaintenanceStatus;
  /** When it should have happened, for the timeline; later than that when the process was down. */
  readonly atMs: number;
}

/** The transition the clock calls for at `nowMs`, if any. */
export function dueTransition(m: Maintenance, nowMs: number): Transition | undefined {
  if (!m.autoTransition) return undefined;
  switch (m.status) {
    case 'scheduled':
      // Down for the whole window: straight to completed, so nobody is told it began after it ended.
      if (nowMs >= m.scheduledUntilMs) return { status: 'completed', atMs: m.scheduledUntilMs };
      return nowMs >= m.scheduledForMs ? { status: 'in_progress', atMs: m.scheduledForMs } : undefined;
    case 'in_progress':
    case 'verifying':
      return nowMs >= m.scheduledUntilMs ? { status: 'completed', atMs: m.scheduledUntilMs } : undefined;
    case 'completed':
      return undefined;
  }
}

/** When to look again: the earliest pending transition, or `nowMs` when one is already due. */
export function nextTransitionAtMs(maintenances: readonly Maintenance[], nowMs: number): number | undefined {
  let nextMs: number | undefined;
  for (const m of maintenances) {
    const atMs = pendingTransitionAtMs(m);
    if (atMs !== undefined) nextMs = Math.min(nextMs ?? Infinity, Math.max(atMs, nowMs));
  }
  return nextMs;
}

function pendingTransitionAtMs(m: Maintenance): number | undefined {
  if (!m.autoTransition) return undefined;
  switch (m.status) {
    case 'scheduled':
      return m.scheduledForMs;
    case 'in_progress':
    case 'verifying':
      return m.scheduledUntilMs;
    case 'completed':
      return undefined;
  }
}

/** The status once any due transition is applied: what suppression must go by before the store catches up. */
export function effectiveStatus(m: Maintenance, nowMs: number): MaintenanceStatus {
  return dueTransition(m, nowMs)?.status ?? m.status;
}

/** The maintenances in progress or verifying at `nowMs`. */
export function activeWindows(maintenances: readonly Maintenance[], nowMs: number): Maintenance[] {
  return maintenances.filter((m) => isActiveMaintenance({ ...m, status: effectiveStatus(m, nowMs) }));
}

/** The components whose probes are expected to fail now: their alerts are suppressed, their status shown as maintenance. */
export function componentIdsInMaintenance(
  maintenances: readonly Maintenance[],
  nowMs: number,
): ReadonlySet<string> {
  return new Set(activeWindows(maintenances, nowMs).flatMap((m) => m.componentIds));
}
