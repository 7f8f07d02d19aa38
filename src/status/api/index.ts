export type {
  V2AffectedComponent,
  V2Component,
  V2Incident,
  V2Maintenance,
  V2Page,
  V2Update,
} from './statuspage-v2-objects.ts';
export type {
  ComponentsDocument,
  IncidentsDocument,
  MaintenancesDocument,
  StatusDocument,
  SummaryDocument,
  V2Status,
} from './statuspage-v2.ts';
export {
  activeMaintenancesDocument,
  componentsDocument,
  incidentsDocument,
  maintenancesDocument,
  statusDocument,
  summaryDocument,
  unresolvedIncidentsDocument,
  upcomingMaintenancesDocument,
} from './statuspage-v2.ts';
export { historyAtom, historyRss } from './feeds.ts';
export { statusBadge, uptimeBadge } from './badges.ts';
export type {
  ComponentUpdateInput,
  ComponentUpdatePayload,
  IncidentInput,
  IncidentPayload,
  MaintenanceInput,
  WebhookIncident,
  WebhookIncidentUpdate,
  WebhookMeta,
  WebhookPage,
} from './subscriber-payloads.ts';
export { componentUpdatePayload, incidentPayload, maintenancePayload } from './subscriber-payloads.ts';
