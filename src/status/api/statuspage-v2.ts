import { isActiveMaintenance, isUnresolved, type Indicator } from '../model.ts';
import type { StatusView } from '../view.ts';
import { maintenancesForReaders, publishedIncidents, sortedMaintenances } from './published.ts';
import {
  componentObject,
  incidentObject,
  maintenanceObject,
  pageObject,
  type V2Component,
  type V2Incident,
  type V2Maintenance,
  type V2Page,
} from './statuspage-v2-objects.ts';

// The documents of Statuspage's public API v2, one function per endpoint; envelope keys in Statuspage's order.

/** incidents.json and scheduled-maintenances.json stop at the 50 most recent, as Statuspage's do. */
const mostRecentCount = 50;

export interface V2Status {
  readonly indicator: Indicator;
  readonly description: string;
}

export interface SummaryDocument {
  readonly page: V2Page;
  readonly components: readonly V2Component[];
  readonly incidents: readonly V2Incident[];
  readonly scheduled_maintenances: readonly V2Maintenance[];
  readonly status: V2Status;
}
export type StatusDocument = Pick<SummaryDocument, 'page' | 'status'>;
export type ComponentsDocument = Pick<SummaryDocument, 'page' | 'components'>;
export type IncidentsDocument = Pick<SummaryDocument, 'page' | 'incidents'>;
export type MaintenancesDocument = Pick<SummaryDocument, 'page' | 'scheduled_maintenances'>;

const statusObject = (view: StatusView): V2Status => ({
  indicator: view.status.indicator,
  description: view.status.description,
});

const components = (view: StatusView): V2Component[] =>
  view.components.map((component) => componentObject(component, view.page));

const unresolvedIncidents = (view: StatusView): V2Incident[] =>
  publishedIncidents(view)
    .filter(isUnresolved)
    .map((incident) => incidentObject(incident, view));

/** summary.json shows what is coming and what is running: scheduled, in_progress and verifying. */
const openMaintenances = (view: StatusView): V2Maintenance[] =>
  maintenancesForReaders(view.maintenances)
    .filter((m) => m.status === 'scheduled' || isActiveMaintenance(m))
    .map((m) => maintenanceObject(m, view));

export function summaryDocument(view: StatusView): SummaryDocument {
  return {
    page: pageObject(view.page),
    components: components(view),
    incidents: unresolvedIncidents(view),
    scheduled_maintenances: openMaintenances(view),
    status: statusObject(view),
  };
}

export function statusDocument(view: StatusView): StatusDocument {
  return { page: pageObject(view.page), status: statusObject(view) };
}

export function componentsDocument(view: StatusView): ComponentsDocument {
  return { page: pageObject(view.page), components: components(view) };
}

export function incidentsDocument(view: StatusView): IncidentsDocument {
  const incidents = publishedIncidents(view).slice(0, mostRecentCount);
  return {
    page: pageObject(view.page),
    incidents: incidents.map((incident) => incidentObject(incident, view)),
  };
}

export function unresolvedIncidentsDocument(view: StatusView): IncidentsDocument {
  return { page: pageObject(view.page), incidents: unresolvedIncidents(view) };
}

export function maintenancesDocument(view: StatusView): MaintenancesDocument {
  const maintenances = maintenancesForReaders(sortedMaintenances(view).slice(0, mostRecentCount));
  return {
    page: pageObject(view.page),
    scheduled_maintenances: maintenances.map((m) => maintenanceObject(m, view)),
  };
}

export function upcomingMaintenancesDocument(view: StatusView): MaintenancesDocument {
  const upcoming = maintenancesForReaders(view.maintenances).filter((m) => m.status === 'scheduled');
  return {
    page: pageObject(view.page),
    scheduled_maintenances: upcoming.map((m) => maintenanceObject(m, view)),
  };
}

export function activeMaintenancesDocument(view: StatusView): MaintenancesDocument {
  const active = maintenancesForReaders(view.maintenances).filter(isActiveMaintenance);
  return {
    page: pageObject(view.page),
    scheduled_maintenances: active.map((m) => maintenanceObject(m, view)),
  };
}
