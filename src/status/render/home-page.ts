import { isActiveMaintenance, isUnresolved, maintenanceReadingOrder } from '../model.ts';
import type { Incident } from '../model.ts';
import type { StatusView } from '../view.ts';
import { renderComponentList } from './component-list.ts';
import { renderIncidentCard, renderMaintenanceCard } from './event-card.ts';
import { escapeHtml, hrefFor, renderDocument, renderSection } from './html.ts';
import { impactLabels, impactTones, toneLabel } from './labels.ts';
import { timeTag } from './time-format.ts';

const recentHistoryMs = 7 * 86_400_000;
// A bad week can hold dozens: the newest few say enough on the front page, and the history has them all.
export const recentHistoryLimit = 10;

function renderBanner(view: StatusView): string {
  const tone = impactTones[view.status.indicator];
  return `<p class="banner ${tone}">${escapeHtml(view.status.description)}</p>`;
}

function renderActive(view: StatusView): string {
  // The view holds no drafts; the check stays so a host bug can never publish one.
  const incidents = view.incidents.filter((incident) => !incident.isDraft && isUnresolved(incident));
  if (incidents.length === 0) return '';
  return renderSection(
    'active',
    'Active incidents',
    incidents.map((i) => renderIncidentCard(i, view)).join(''),
  );
}

function renderMaintenances(view: StatusView): string {
  // The view lists maintenances newest first; the page reads in the JSON lists' order, soonest first.
  const ordered = [...view.maintenances].sort(maintenanceReadingOrder);
  const inProgress = ordered.filter(isActiveMaintenance);
  const upcoming = ordered.filter((maintenance) => maintenance.status === 'scheduled');
  const cards = (list: typeof inProgress): string => list.map((m) => renderMaintenanceCard(m, view)).join('');
  const inProgressSection = renderSection('maintenance', 'Maintenance in progress', cards(inProgress));
  const upcomingSection = renderSection('upcoming', 'Upcoming maintenance', cards(upcoming));
  return (inProgress.length > 0 ? inProgressSection : '') + (upcoming.length > 0 ? upcomingSection : '');
}

function renderRecentItem(incident: Incident, timeZone: string): string {
  const tone = impactTones[incident.impact];
  return (
    `<li><a href="${hrefFor('/incidents/', incident.id)}">${escapeHtml(incident.name)}</a> ` +
    `${toneLabel(tone, impactLabels[incident.impact])} <span class="muted">Resolved ` +
    `${timeTag(incident.resolvedAtMs ?? incident.updatedAtMs, timeZone)}</span></li>`
  );
}

function renderRecentHistory(view: StatusView): string {
  const sinceMs = view.nowMs - recentHistoryMs;
  const resolved = view.incidents
    .filter((incident) => !incident.isDraft && !isUnresolved(incident))
    .filter((incident) => incident.resolvedAtMs !== null && incident.resolvedAtMs >= sinceMs)
    .sort((a, b) => (b.resolvedAtMs ?? 0) - (a.resolvedAtMs ?? 0));
  const shown = resolved.slice(0, recentHistoryLimit);
  // Under an active incident "no incidents" would contradict the card above: this list is the resolved ones.
  const isAnyActive = view.incidents.some((incident) => !incident.isDraft && isUnresolved(incident));
  const none = isAnyActive ? 'No incidents resolved in the last 7 days.' : 'No incidents in the last 7 days.';
  const list =
    shown.length === 0
      ? `<p>${none}</p>`
      : `<ul>${shown.map((incident) => renderRecentItem(incident, view.page.timeZone)).join('')}</ul>`;
  const more = resolved.length - shown.length;
  const link =
    more > 0
      ? `<a href="/history">Incident history</a> (${more} more this week)`
      : '<a href="/history">Incident history</a>';
  return renderSection('recent', 'Past 7 days', `${list}<p>${link}</p>`);
}

/** `/`: the overall status, what is happening now, every component's 90 days, and the past week. */
export function renderHomePage(view: StatusView): string {
  const body =
    renderBanner(view) +
    renderActive(view) +
    renderMaintenances(view) +
    renderSection('components', 'Components', renderComponentList(view)) +
    renderRecentHistory(view);
  return renderDocument(view, { body, currentPath: '/', autoRefresh: true, isHome: true });
}
