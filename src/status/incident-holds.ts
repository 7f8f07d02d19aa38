import type { ComponentStatus, Incident } from './model.ts';

/**
 * The statuses an unresolved incident holds its components at: those its timeline records it setting. A
 * status it gives a component that already had it (a draft proposes what the monitors say) changed nothing,
 * so it holds nothing: the component keeps following its sources, and resolving has no change to undo.
 * Read from the timeline, so incidents stored before this rule follow it too.
 */
export function heldStatusesOf(incident: Incident): Record<string, ComponentStatus> {
  const held: Record<string, ComponentStatus> = {};
  for (const [id, status] of Object.entries(incident.componentStatuses)) {
    // Updates are newest first: the latest word on this component is the one that counts.
    const latest = incident.updates
      .flatMap((update) => update.affectedComponents ?? [])
      .find((change) => change.code === id);
    if (latest?.newStatus === status) held[id] = status;
  }
  return held;
}
