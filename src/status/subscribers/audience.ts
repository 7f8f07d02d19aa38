import { leavesNamed } from '../coverage.ts';
import type { ComponentDef } from '../model.ts';
import type { Subscriber } from '../status-store.ts';

/**
 * Who hears of a change touching these components: every confirmed subscriber of the whole page, and each
 * confirmed subscriber of a touched component (a group stands for its children on either side). A change that
 * names no component concerns the whole page, so every confirmed subscriber hears of it, as on Statuspage.
 */
export function audienceOf(
  subscribers: readonly Subscriber[],
  defs: readonly ComponentDef[],
  componentIds: readonly string[],
): Subscriber[] {
  const confirmed = subscribers.filter((s) => s.confirmedAtMs !== null);
  if (componentIds.length === 0) return confirmed;
  const touched = new Set(leavesNamed(defs, componentIds).map((d) => d.id));
  return confirmed.filter(
    (s) => s.componentIds === null || leavesNamed(defs, s.componentIds).some((d) => touched.has(d.id)),
  );
}
