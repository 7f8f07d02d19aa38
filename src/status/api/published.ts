import { maintenanceReadingOrder, type Incident, type Maintenance } from '../model.ts';
import type { PageInfo, StatusView } from '../view.ts';

// The view promises these orders and no drafts; the public surfaces enforce both again because a draft
// leaking to a feed or a webhook cannot be taken back, and sorting a few hundred rows per change is free.

/** Published incidents, newest first by createdAt. */
export const publishedIncidents = (view: StatusView): Incident[] =>
  view.incidents.filter((incident) => !incident.isDraft).sort((a, b) => b.createdAtMs - a.createdAtMs);

/** Maintenances, newest first by scheduledFor: the feeds' order, and how "the most recent" are chosen. */
export const sortedMaintenances = (view: StatusView): Maintenance[] =>
  [...view.maintenances].sort((a, b) => b.scheduledForMs - a.scheduledForMs);

/** Running first, then upcoming soonest first, then completed: the JSON lists' order (and the page's). */
export const maintenancesForReaders = (maintenances: readonly Maintenance[]): Maintenance[] =>
  [...maintenances].sort(maintenanceReadingOrder);

/** Statuspage serves incidents and maintenances alike under `/incidents/<id>`. */
export const incidentUrl = (page: PageInfo, id: string): string =>
  `${page.url}/incidents/${encodeURIComponent(id)}`;
