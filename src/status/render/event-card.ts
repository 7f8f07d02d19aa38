import type { Incident, Maintenance } from '../model.ts';
import type { StatusView } from '../view.ts';
import { escapeHtml, hrefFor } from './html.ts';
import { impactLabels, impactTones, toneLabel, updateStatusLabels } from './labels.ts';
import { renderTimeline } from './timeline.ts';
import { windowTags } from './time-format.ts';

/** The names of components by id, in the order given; ids no longer configured are left out. */
export function componentNamesOf(componentIds: readonly string[], view: StatusView): string {
  const names = new Map(view.components.map((component) => [component.id, component.name]));
  const known = componentIds.flatMap((id) => {
    const name = names.get(id);
    return name === undefined ? [] : [escapeHtml(name)];
  });
  return known.join(', ');
}

const affectedLine = (componentIds: readonly string[], view: StatusView): string => {
  const names = componentNamesOf(componentIds, view);
  return names === '' ? '' : `<p class="meta">Affects ${names}</p>`;
};

/** An open incident on the home page: its name links to the permalink; the whole timeline follows. */
export function renderIncidentCard(incident: Incident, view: StatusView): string {
  const tone = impactTones[incident.impact];
  return (
    `<article class="card ${tone}"><h3><a href="${hrefFor('/incidents/', incident.id)}">` +
    `${escapeHtml(incident.name)}</a></h3>` +
    `<p class="meta">${toneLabel(tone, impactLabels[incident.impact])} · ${updateStatusLabels[incident.status]}</p>` +
    affectedLine(incident.componentIds, view) +
    renderTimeline(incident.updates, view.page.timeZone) +
    '</article>'
  );
}

/** A maintenance in progress or scheduled: its window, components and timeline. */
export function renderMaintenanceCard(maintenance: Maintenance, view: StatusView): string {
  const timeZone = view.page.timeZone;
  return (
    `<article class="card maint"><h3><a href="${hrefFor('/incidents/', maintenance.id)}">` +
    `${escapeHtml(maintenance.name)}</a></h3>` +
    `<p class="meta">${toneLabel('maint', updateStatusLabels[maintenance.status])} · ` +
    `${windowTags(maintenance.scheduledForMs, maintenance.scheduledUntilMs, timeZone)}</p>` +
    affectedLine(maintenance.componentIds, view) +
    renderTimeline(maintenance.updates, timeZone) +
    '</article>'
  );
}
