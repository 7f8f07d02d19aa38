import type {
  ComponentStatus,
  Impact,
  Incident,
  IncidentStatus,
  Maintenance,
  MaintenanceStatus,
  TimelineUpdate,
} from '../model.ts';
import { isoInZone } from '../time-zone.ts';
import type { ComponentView, PageInfo, StatusView } from '../view.ts';
import { incidentUrl } from './published.ts';

// The objects of Statuspage's public API v2 (shared/reference/statuspage-v2.md). Every builder writes its
// keys in the order real payloads have them: JSON.stringify keeps insertion order and existing tools diff
// our output against real Statuspage responses.

export interface V2Page {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly time_zone: string;
  readonly updated_at: string;
}

export interface V2Component {
  readonly id: string;
  readonly name: string;
  readonly status: ComponentStatus;
  readonly created_at: string;
  readonly updated_at: string;
  readonly position: number;
  readonly description: string | null;
  readonly showcase: boolean;
  readonly start_date: string | null;
  readonly group_id: string | null;
  readonly page_id: string;
  readonly group: boolean;
  readonly only_show_if_degraded: boolean;
  /** Groups only: the children's ids. */
  readonly components?: readonly string[];
}

export interface V2AffectedComponent {
  readonly code: string;
  readonly name: string;
  readonly old_status: ComponentStatus;
  readonly new_status: ComponentStatus;
}

export interface V2Update {
  readonly id: string;
  readonly status: IncidentStatus | MaintenanceStatus;
  readonly body: string;
  readonly incident_id: string;
  readonly created_at: string;
  readonly updated_at: string;
  readonly display_at: string;
  readonly affected_components: readonly V2AffectedComponent[] | null;
  readonly deliver_notifications: boolean;
  readonly custom_tweet: null;
  readonly tweet_id: null;
}

export interface V2Incident {
  readonly id: string;
  readonly name: string;
  readonly status: IncidentStatus;
  readonly created_at: string;
  readonly updated_at: string;
  readonly monitoring_at: string | null;
  readonly resolved_at: string | null;
  readonly impact: Impact;
  readonly shortlink: string;
  readonly started_at: string;
  readonly page_id: string;
  readonly incident_updates: readonly V2Update[];
  readonly components: readonly V2Component[];
}

export interface V2Maintenance extends Omit<V2Incident, 'status' | 'impact'> {
  readonly status: MaintenanceStatus;
  readonly impact: 'maintenance';
  readonly scheduled_for: string;
  readonly scheduled_until: string;
}

const isoOrNull = (ms: number | null, timeZone: string): string | null =>
  ms === null ? null : isoInZone(ms, timeZone);

export function pageObject(page: PageInfo): V2Page {
  return {
    id: page.id,
    name: page.name,
    url: page.url,
    time_zone: page.timeZone,
    updated_at: isoInZone(page.updatedAtMs, page.timeZone),
  };
}

export function componentObject(component: ComponentView, page: PageInfo): V2Component {
  const object: V2Component = {
    id: component.id,
    name: component.name,
    status: component.status,
    created_at: isoInZone(component.createdAtMs, page.timeZone),
    updated_at: isoInZone(component.updatedAtMs, page.timeZone),
    position: component.position,
    description: component.description,
    // Every configured component is shown, and none has a "start date" in our model.
    showcase: true,
    start_date: null,
    group_id: component.groupId,
    page_id: page.id,
    group: component.isGroup,
    only_show_if_degraded: false,
  };
  // Statuspage puts a group's child list last, after only_show_if_degraded.
  return component.isGroup ? { ...object, components: [...component.childIds] } : object;
}

export function updateObject(update: TimelineUpdate, incidentId: string, page: PageInfo): V2Update {
  const at = (ms: number): string => isoInZone(ms, page.timeZone);
  return {
    id: update.id,
    status: update.status,
    body: update.body,
    incident_id: incidentId,
    created_at: at(update.createdAtMs),
    // Updates are not edited after posting in our model, so they were last updated when created.
    updated_at: at(update.createdAtMs),
    display_at: at(update.displayAtMs),
    affected_components:
      update.affectedComponents?.map((affected) => ({
        code: affected.code,
        name: affected.name,
        old_status: affected.oldStatus,
        new_status: affected.newStatus,
      })) ?? null,
    deliver_notifications: update.deliverNotifications,
    custom_tweet: null,
    tweet_id: null,
  };
}

/** Components in page order (position), with their current status; ids no longer configured are skipped. */
function affectedComponents(componentIds: readonly string[], view: StatusView): V2Component[] {
  const ids = new Set(componentIds);
  return view.components.filter((c) => ids.has(c.id)).map((c) => componentObject(c, view.page));
}

export function incidentObject(incident: Incident, view: StatusView): V2Incident {
  const { page } = view;
  return {
    id: incident.id,
    name: incident.name,
    status: incident.status,
    created_at: isoInZone(incident.createdAtMs, page.timeZone),
    updated_at: isoInZone(incident.updatedAtMs, page.timeZone),
    monitoring_at: isoOrNull(incident.monitoringAtMs, page.timeZone),
    resolved_at: isoOrNull(incident.resolvedAtMs, page.timeZone),
    impact: incident.impact,
    shortlink: incidentUrl(page, incident.id),
    started_at: isoInZone(incident.startedAtMs, page.timeZone),
    page_id: page.id,
    incident_updates: incident.updates.map((update) => updateObject(update, incident.id, page)),
    components: affectedComponents(incident.componentIds, view),
  };
}

export function maintenanceObject(maintenance: Maintenance, view: StatusView): V2Maintenance {
  const { page } = view;
  return {
    id: maintenance.id,
    name: maintenance.name,
    status: maintenance.status,
    created_at: isoInZone(maintenance.createdAtMs, page.timeZone),
    updated_at: isoInZone(maintenance.updatedAtMs, page.timeZone),
    monitoring_at: null,
    resolved_at: isoOrNull(maintenance.completedAtMs, page.timeZone),
    impact: 'maintenance',
    shortlink: incidentUrl(page, maintenance.id),
    // Statuspage never sends started_at as null: before a maintenance starts it holds the creation time.
    started_at: isoInZone(maintenance.startedAtMs ?? maintenance.createdAtMs, page.timeZone),
    page_id: page.id,
    incident_updates: maintenance.updates.map((update) => updateObject(update, maintenance.id, page)),
    components: affectedComponents(maintenance.componentIds, view),
    // Last, after components: where live summary.json payloads put them (the reference only says "plus").
    scheduled_for: isoInZone(maintenance.scheduledForMs, page.timeZone),
    scheduled_until: isoInZone(maintenance.scheduledUntilMs, page.timeZone),
  };
}
