import { isActiveMaintenance, isUnresolved } from '../model.ts';
import type { Incident, Maintenance } from '../model.ts';
import type { StatusView } from '../view.ts';
import { componentNamesOf } from './event-card.ts';
import { escapeHtml, renderDocument, renderSection } from './html.ts';
import { impactLabels, impactTones, toneLabel, updateStatusLabels } from './labels.ts';
import { renderMarkdown } from './markdown.ts';
import { renderTimeline } from './timeline.ts';
import { formatDurationMs, timeTag, windowTags } from './time-format.ts';

type Fact = readonly [term: string, definition: string];

function renderFacts(facts: readonly Fact[]): string {
  const rows = facts.filter(([, definition]) => definition !== '');
  return `<dl class="facts">${rows.map(([term, definition]) => `<dt>${term}</dt><dd>${definition}</dd>`).join('')}</dl>`;
}

const updatesSection = (updates: Incident['updates'], timeZone: string): string =>
  renderSection('updates', 'Updates', renderTimeline(updates, timeZone));

function incidentBody(incident: Incident, view: StatusView): string {
  const timeZone = view.page.timeZone;
  const tone = impactTones[incident.impact];
  const resolvedAtMs = incident.resolvedAtMs;
  const facts: Fact[] = [
    ['Status', updateStatusLabels[incident.status]],
    ['Impact', toneLabel(tone, impactLabels[incident.impact])],
    ['Started', timeTag(incident.startedAtMs, timeZone)],
    ['Resolved', resolvedAtMs === null ? '' : timeTag(resolvedAtMs, timeZone)],
    ['Duration', resolvedAtMs === null ? '' : formatDurationMs(resolvedAtMs - incident.startedAtMs)],
    ['Affected components', componentNamesOf(incident.componentIds, view)],
  ];
  const postmortem =
    incident.postmortemBody === null
      ? ''
      : renderSection(
          'postmortem',
          'Postmortem',
          `<div class="md">${renderMarkdown(incident.postmortemBody)}</div>`,
        );
  return `<h1>${escapeHtml(incident.name)}</h1>${renderFacts(facts)}${postmortem}${updatesSection(incident.updates, timeZone)}`;
}

function maintenanceBody(maintenance: Maintenance, view: StatusView): string {
  const timeZone = view.page.timeZone;
  const { startedAtMs, completedAtMs } = maintenance;
  const facts: Fact[] = [
    ['Status', toneLabel('maint', `Maintenance: ${updateStatusLabels[maintenance.status]}`)],
    ['Window', windowTags(maintenance.scheduledForMs, maintenance.scheduledUntilMs, timeZone)],
    ['Started', startedAtMs === null ? '' : timeTag(startedAtMs, timeZone)],
    ['Completed', completedAtMs === null ? '' : timeTag(completedAtMs, timeZone)],
    ['Affected components', componentNamesOf(maintenance.componentIds, view)],
  ];
  return `<h1>${escapeHtml(maintenance.name)}</h1>${renderFacts(facts)}${updatesSection(maintenance.updates, timeZone)}`;
}

/** `/incidents/{id}`: an incident's or a maintenance's permalink; undefined for unknown ids and drafts. */
export function renderIncidentPage(view: StatusView, id: string): string | undefined {
  const incident = view.incidents.find((candidate) => candidate.id === id);
  if (incident) {
    if (incident.isDraft) return undefined;
    const body = incidentBody(incident, view);
    return renderDocument(view, { title: incident.name, body, autoRefresh: isUnresolved(incident) });
  }
  const maintenance = view.maintenances.find((candidate) => candidate.id === id);
  if (!maintenance) return undefined;
  const isChanging = isActiveMaintenance(maintenance) || maintenance.status === 'scheduled';
  return renderDocument(view, {
    title: maintenance.name,
    body: maintenanceBody(maintenance, view),
    autoRefresh: isChanging,
  });
}
