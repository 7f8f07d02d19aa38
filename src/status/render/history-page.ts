import type { Incident, Maintenance } from '../model.ts';
import type { StatusView } from '../view.ts';
import { escapeHtml, hrefFor, renderDocument, renderSection } from './html.ts';
import { impactLabels, impactTones, toneLabel, updateStatusLabels } from './labels.ts';
import { formatMonth, timeTag, windowTags } from './time-format.ts';

export const historyPageSize = 20;

/** One line of the history: an incident or a completed maintenance, placed at the time it began. */
interface HistoryEntry {
  readonly id: string;
  readonly atMs: number;
  readonly html: string;
}

function incidentEntry(incident: Incident, timeZone: string): HistoryEntry {
  const when =
    incident.resolvedAtMs === null
      ? `Since ${timeTag(incident.startedAtMs, timeZone)}`
      : windowTags(incident.startedAtMs, incident.resolvedAtMs, timeZone);
  const tone = impactTones[incident.impact];
  const html =
    `<a href="${hrefFor('/incidents/', incident.id)}">${escapeHtml(incident.name)}</a> ` +
    `${toneLabel(tone, impactLabels[incident.impact])} · ${updateStatusLabels[incident.status]}` +
    `<br><span class="muted">${when}</span>`;
  return { id: incident.id, atMs: incident.startedAtMs, html };
}

function maintenanceEntry(maintenance: Maintenance, timeZone: string): HistoryEntry {
  const startMs = maintenance.startedAtMs ?? maintenance.scheduledForMs;
  const endMs = maintenance.completedAtMs ?? maintenance.scheduledUntilMs;
  const html =
    `<a href="${hrefFor('/incidents/', maintenance.id)}">${escapeHtml(maintenance.name)}</a> ` +
    `${toneLabel('maint', 'Maintenance')} · ${updateStatusLabels[maintenance.status]}` +
    `<br><span class="muted">${windowTags(startMs, endMs, timeZone)}</span>`;
  return { id: maintenance.id, atMs: startMs, html };
}

function historyEntries(view: StatusView): HistoryEntry[] {
  const timeZone = view.page.timeZone;
  const entries = [
    ...view.incidents
      .filter((incident) => !incident.isDraft)
      .map((incident) => incidentEntry(incident, timeZone)),
    ...view.maintenances
      .filter((maintenance) => maintenance.status === 'completed')
      .map((maintenance) => maintenanceEntry(maintenance, timeZone)),
  ];
  // The id breaks ties so that a page never reorders between two renders of the same view.
  return entries.sort((a, b) => b.atMs - a.atMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function renderMonths(entries: readonly HistoryEntry[], timeZone: string): string {
  const months: { name: string; items: string[] }[] = [];
  for (const entry of entries) {
    const name = formatMonth(entry.atMs, timeZone);
    const last = months.at(-1);
    if (last?.name === name) last.items.push(entry.html);
    else months.push({ name, items: [entry.html] });
  }
  return months
    .map((month, index) =>
      renderSection(
        `m${index}`,
        month.name,
        `<ul>${month.items.map((item) => `<li>${item}</li>`).join('')}</ul>`,
      ),
    )
    .join('');
}

// A path, not ?page=N: the static export writes history/N/index.html, and a static host ignores queries.
const historyHref = (page: number): string => (page === 1 ? '/history' : `/history/${page}`);

function renderPager(page: number, pageCount: number): string {
  const newer = page > 1 ? `<a rel="prev" href="${historyHref(page - 1)}">← Newer</a>` : '<span></span>';
  const older =
    page < pageCount ? `<a rel="next" href="${historyHref(page + 1)}">Older →</a>` : '<span></span>';
  return `<nav class="pager" aria-label="History pages">${newer}<span>Page ${page} of ${pageCount}</span>${older}</nav>`;
}

/**
 * `/history/N` (page 1 is `/history`): incidents and completed maintenances, newest first, by month in
 * the page's zone. A page outside 1..pageCount renders a short "no such page"; the host may answer 404 instead.
 */
export function renderHistoryPage(view: StatusView, page: number): { html: string; pageCount: number } {
  const entries = historyEntries(view);
  const pageCount = Math.max(1, Math.ceil(entries.length / historyPageSize));
  const title = page === 1 ? 'History' : `History, page ${page}`;
  if (!Number.isInteger(page) || page < 1 || page > pageCount) {
    const body =
      '<h1>History</h1><p>There is no such page of the history. <a href="/history">Latest incidents</a></p>';
    return { html: renderDocument(view, { title: 'History', body, currentPath: '/history' }), pageCount };
  }
  const onPage = entries.slice((page - 1) * historyPageSize, page * historyPageSize);
  const list =
    onPage.length === 0 ? '<p>No incidents reported.</p>' : renderMonths(onPage, view.page.timeZone);
  const body = `<h1>Incident history</h1>${list}${renderPager(page, pageCount)}`;
  return { html: renderDocument(view, { title, body, currentPath: '/history' }), pageCount };
}
