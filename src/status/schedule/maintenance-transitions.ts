import type { Maintenance, MaintenanceStatus } from '../model.ts';

/**
 * The automatic part of a maintenance's life, scheduled → in_progress → (verifying) → completed, for those
 * with autoTransition. verifying is only ever set by a person; the clock still completes it at scheduledUntil.
 */

export interface Transition {
  readonly status: MaintenanceStatus;
  /** When it should have happened, for the timeline; later than that when the process was down. */
  readonly atMs: number;
  /** When the window counts as begun (for a window completed straight from scheduled, its start). */
  readonly startedAtMs: number;
}

/** The transition the clock calls for at `nowMs`, if any. */
export function dueTransition(m: Maintenance, nowMs: number): Transition | undefined {
  if (!m.autoTransition) return undefined;
  const notBeforeMs = notBeforeMsOf(m);
  const startMs = Math.max(m.scheduledForMs, notBeforeMs);
  const endMs = Math.max(m.scheduledUntilMs, notBeforeMs);
  switch (m.status) {
    case 'scheduled':
      // Down for the whole window: straight to completed, so nobody is told it began after it ended.
      if (nowMs >= m.scheduledUntilMs) return { status: 'completed', atMs: endMs, startedAtMs: startMs };
      return nowMs >= m.scheduledForMs
        ? { status: 'in_progress', atMs: startMs, startedAtMs: startMs }
        : undefined;
    case 'in_progress':
    case 'verifying':
      return nowMs >= m.scheduledUntilMs
        ? { status: 'completed', atMs: endMs, startedAtMs: m.startedAtMs ?? startMs }
        : undefined;
    case 'completed':
      return undefined;
  }
}

/**
 * The clock dates its moves when they were due, but never before the maintenance existed (one entered with
 * scheduled_for already past) nor before its newest update: the timeline stays newest first.
 */
function notBeforeMsOf(m: Maintenance): number {
  return Math.max(m.createdAtMs, ...m.updates.map((u) => u.createdAtMs));
}
