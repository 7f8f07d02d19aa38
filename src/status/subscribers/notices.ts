import type { StatusEvent } from '../events.ts';
import type { Incident, Maintenance, TimelineUpdate } from '../model.ts';

/** Something subscribers are told about: a published incident's or a maintenance's new timeline entry. */
export type Notice =
  | {
      readonly kind: 'incident';
      readonly phase: 'created' | 'updated' | 'resolved';
      readonly incident: Incident;
      readonly update: TimelineUpdate;
    }
  | {
      readonly kind: 'maintenance';
      readonly phase: 'announced' | 'started' | 'updated' | 'completed';
      readonly maintenance: Maintenance;
      readonly update: TimelineUpdate;
    }
  /** A component's status moved (the host reports every change it records). */
  | Extract<StatusEvent, { readonly kind: 'component' }>;

/**
 * What an event tells subscribers, if anything: an entry on a published timeline whose author left
 * `deliver_notifications` on. Drafts stay quiet until published; an edit that adds no entry (a renamed
 * incident) is no news. Component changes are reported by the host, which sees every one.
 */
export function noticeOf(event: StatusEvent): Notice | undefined {
  if (event.kind === 'incident') {
    const { incident, update } = event;
    if (incident.isDraft || !update?.deliverNotifications) return undefined;
    const isClosing = update.status === 'resolved';
    const phase = event.isNew ? 'created' : isClosing ? 'resolved' : 'updated';
    return { kind: 'incident', phase, incident, update };
  }
  if (event.kind === 'maintenance') {
    const { maintenance, update } = event;
    if (!update?.deliverNotifications) return undefined;
    const phase = event.isNew
      ? 'announced'
      : update.status === 'in_progress'
        ? 'started'
        : update.status === 'completed'
          ? 'completed'
          : 'updated';
    return { kind: 'maintenance', phase, maintenance, update };
  }
  return undefined;
}

/** The components a notice is about (none: the whole page). */
export function componentsOf(notice: Notice): readonly string[] {
  if (notice.kind === 'incident') return notice.incident.componentIds;
  if (notice.kind === 'maintenance') return notice.maintenance.componentIds;
  return [notice.componentId];
}
