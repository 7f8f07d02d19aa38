import type {
  ComponentStatus,
  Impact,
  Incident,
  IncidentStatus,
  Indicator,
  Maintenance,
  MaintenanceStatus,
  TimelineUpdate,
} from '../model.ts';
import type { ComponentView, StatusView } from '../view.ts';
import { incidentUrl } from './published.ts';

// The bodies Statuspage POSTs to webhook subscribers (shared/reference/statuspage-v2.md, "Subscriber webhook
// payloads"), keys in its order. Unlike the v2 API these carry UTC timestamps, as Statuspage's examples do.

const documentationUrl = 'https://doers.statuspage.io/customer-notifications/webhooks/';

export interface WebhookMeta {
  readonly unsubscribe: string;
  readonly documentation: string;
}

export interface WebhookPage {
  readonly id: string;
  readonly status_indicator: Indicator;
  readonly status_description: string;
}

export interface ComponentUpdatePayload {
  readonly meta: WebhookMeta;
  readonly page: WebhookPage;
  readonly component_update: {
    readonly created_at: string;
    readonly new_status: ComponentStatus;
    readonly old_status: ComponentStatus;
    readonly id: string;
    readonly component_id: string;
  };
  readonly component: {
    readonly created_at: string;
    readonly id: string;
    readonly name: string;
    readonly status: ComponentStatus;
  };
}

export interface WebhookIncidentUpdate {
  readonly body: string;
  readonly created_at: string;
  readonly display_at: string;
  readonly status: IncidentStatus | MaintenanceStatus;
  readonly twitter_updated_at: null;
  readonly updated_at: string;
  readonly wants_twitter_update: false;
  readonly id: string;
  readonly incident_id: string;
}

export interface WebhookIncident {
  readonly backfilled: false;
  readonly created_at: string;
  readonly impact: Impact | 'maintenance';
  readonly impact_override: Impact | null;
  readonly monitoring_at: string | null;
  readonly postmortem_body: string | null;
  readonly postmortem_body_last_updated_at: string | null;
  readonly postmortem_ignored: false;
  readonly postmortem_notified_subscribers: false;
  readonly postmortem_notified_twitter: false;
  readonly postmortem_published_at: string | null;
  readonly resolved_at: string | null;
  readonly scheduled_auto_transition: boolean;
  readonly scheduled_for: string | null;
  readonly scheduled_remind_prior: false;
  readonly scheduled_reminded_at: null;
  readonly scheduled_until: string | null;
  readonly shortlink: string;
  readonly status: IncidentStatus | MaintenanceStatus;
  readonly updated_at: string;
  readonly id: string;
  readonly organization_id: string;
  readonly name: string;
  readonly incident_updates: readonly WebhookIncidentUpdate[];
}

/** Both incidents and maintenances travel under `incident`, as Statuspage sends them. */
export interface IncidentPayload {
  readonly meta: WebhookMeta;
  readonly page: WebhookPage;
  readonly incident: WebhookIncident;
}

const utcIso = (ms: number): string => new Date(ms).toISOString();
const utcIsoOrNull = (ms: number | null): string | null => (ms === null ? null : utcIso(ms));

const metaOf = (unsubscribeUrl: string): WebhookMeta => ({
  unsubscribe: unsubscribeUrl,
  documentation: documentationUrl,
});

const pageOf = (view: StatusView): WebhookPage => ({
  id: view.page.id,
  status_indicator: view.status.indicator,
  status_description: view.status.description,
});

export interface ComponentUpdateInput {
  readonly view: StatusView;
  readonly component: ComponentView;
  readonly oldStatus: ComponentStatus;
  readonly newStatus: ComponentStatus;
  readonly atMs: number;
  /** A stable id of this change, so a subscriber can drop a redelivery. */
  readonly updateId: string;
  readonly unsubscribeUrl: string;
}

export function componentUpdatePayload(input: ComponentUpdateInput): ComponentUpdatePayload {
  const { component } = input;
  return {
    meta: metaOf(input.unsubscribeUrl),
    page: pageOf(input.view),
    component_update: {
      created_at: utcIso(input.atMs),
      new_status: input.newStatus,
      old_status: input.oldStatus,
      id: input.updateId,
      component_id: component.id,
    },
    // The status this change set, even if the view was built before or after it.
    component: {
      created_at: utcIso(component.createdAtMs),
      id: component.id,
      name: component.name,
      status: input.newStatus,
    },
  };
}

export interface IncidentInput {
  readonly view: StatusView;
  readonly incident: Incident;
  readonly unsubscribeUrl: string;
}

/** null for a draft: subscribers hear of an incident only once it is published. */
export function incidentPayload(input: IncidentInput): IncidentPayload | null {
  const { incident, view } = input;
  if (incident.isDraft) return null;
  // Our model has no separate postmortem timestamps; the postmortem update is when it was published.
  const postmortemAtMs =
    incident.updates.find((update) => update.status === 'postmortem')?.createdAtMs ?? null;
  return {
    meta: metaOf(input.unsubscribeUrl),
    page: pageOf(view),
    incident: webhookIncident(view, incident, {
      impact: incident.impact,
      impactOverride: incident.impactOverride,
      monitoringAtMs: incident.monitoringAtMs,
      resolvedAtMs: incident.resolvedAtMs,
      postmortemBody: incident.postmortemBody,
      postmortemAtMs,
      scheduled: null,
    }),
  };
}

export interface MaintenanceInput {
  readonly view: StatusView;
  readonly maintenance: Maintenance;
  readonly unsubscribeUrl: string;
}

/** A maintenance is a Statuspage incident with the scheduled_* fields set and impact "maintenance". */
export function maintenancePayload(input: MaintenanceInput): IncidentPayload {
  const { maintenance, view } = input;
  return {
    meta: metaOf(input.unsubscribeUrl),
    page: pageOf(view),
    incident: webhookIncident(view, maintenance, {
      impact: 'maintenance',
      impactOverride: null,
      monitoringAtMs: null,
      resolvedAtMs: maintenance.completedAtMs,
      postmortemBody: null,
      postmortemAtMs: null,
      scheduled: maintenance,
    }),
  };
}

/** What differs between an incident and a maintenance in the shared shape. */
interface IncidentFields {
  readonly impact: Impact | 'maintenance';
  readonly impactOverride: Impact | null;
  readonly monitoringAtMs: number | null;
  readonly resolvedAtMs: number | null;
  readonly postmortemBody: string | null;
  readonly postmortemAtMs: number | null;
  readonly scheduled: Maintenance | null;
}

function webhookIncident(
  view: StatusView,
  event: Incident | Maintenance,
  fields: IncidentFields,
): WebhookIncident {
  const { scheduled } = fields;
  return {
    backfilled: false,
    created_at: utcIso(event.createdAtMs),
    impact: fields.impact,
    impact_override: fields.impactOverride,
    monitoring_at: utcIsoOrNull(fields.monitoringAtMs),
    postmortem_body: fields.postmortemBody,
    postmortem_body_last_updated_at:
      fields.postmortemBody === null ? null : utcIsoOrNull(fields.postmortemAtMs),
    postmortem_ignored: false,
    postmortem_notified_subscribers: false,
    postmortem_notified_twitter: false,
    postmortem_published_at: utcIsoOrNull(fields.postmortemAtMs),
    resolved_at: utcIsoOrNull(fields.resolvedAtMs),
    scheduled_auto_transition: scheduled?.autoTransition ?? false,
    scheduled_for: utcIsoOrNull(scheduled?.scheduledForMs ?? null),
    scheduled_remind_prior: false,
    scheduled_reminded_at: null,
    scheduled_until: utcIsoOrNull(scheduled?.scheduledUntilMs ?? null),
    shortlink: incidentUrl(view.page, event.id),
    status: event.status,
    updated_at: utcIso(event.updatedAtMs),
    id: event.id,
    organization_id: view.page.id,
    name: event.name,
    incident_updates: event.updates.map((update) => webhookUpdate(update, event.id)),
  };
}

function webhookUpdate(update: TimelineUpdate, incidentId: string): WebhookIncidentUpdate {
  return {
    body: update.body,
    created_at: utcIso(update.createdAtMs),
    display_at: utcIso(update.displayAtMs),
    status: update.status,
    twitter_updated_at: null,
    updated_at: utcIso(update.createdAtMs),
    wants_twitter_update: false,
    id: update.id,
    incident_id: incidentId,
  };
}
