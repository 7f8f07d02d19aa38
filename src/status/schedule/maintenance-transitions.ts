import type { Maintenance, MaintenanceStatus } from '../model.ts';

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
