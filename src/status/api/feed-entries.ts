import type { Incident, Maintenance, TimelineUpdate } from '../model.ts';
import type { StatusView } from '../view.ts';
import { escapeXml } from './escape-xml.ts';
import { displayTimeInZone } from './feed-dates.ts';
import { incidentUrl, publishedIncidents, sortedMaintenances } from './published.ts';

/** One incident or maintenance as both history feeds show it. */
export interface FeedEntry {
  readonly title: string;
  /** The permalink, also the entry's id. */
  readonly url: string;
  readonly publishedAtMs: number;
  readonly updatedAtMs: number;
  /** Markup, not text: the feed escapes it once more, as `type="html"` content and RSS descriptions expect. */
  readonly html: string;
}

/** Statuspage's history feeds stop at 50 entries, like incidents.json. */
const maxEntries = 50;

/** Published incidents and maintenances together, newest first by creation, at most 50. */
export function feedEntries(view: StatusView): FeedEntry[] {
  const { timeZone } = view.page;
  const incidents = publishedIncidents(view).map((i) => entryOf(view, i, updatesHtml(i.updates, timeZone)));
  const maintenances = sortedMaintenances(view).map((m) =>
    entryOf(view, m, scheduleHtml(m, timeZone) + updatesHtml(m.updates, timeZone)),
  );
  return [...incidents, ...maintenances]
    .sort((a, b) => b.publishedAtMs - a.publishedAtMs)
    .slice(0, maxEntries);
}

function entryOf(view: StatusView, event: Incident | Maintenance, html: string): FeedEntry {
  return {
    title: event.name,
    url: incidentUrl(view.page, event.id),
    publishedAtMs: event.createdAtMs,
    updatedAtMs: event.updatedAtMs,
    html,
  };
}

// Statuspage's own feed markup, so readers that style or scrape it see what they know.
function scheduleHtml(maintenance: Maintenance, timeZone: string): string {
  const from = displayTimeInZone(maintenance.scheduledForMs, timeZone);
  const until = displayTimeInZone(maintenance.scheduledUntilMs, timeZone);
  return `<p><strong>THIS IS A SCHEDULED EVENT ${escapeXml(from)} - ${escapeXml(until)}</strong></p>`;
}

/** Newest first, as the updates are stored and as Statuspage lists them. */
function updatesHtml(updates: readonly TimelineUpdate[], timeZone: string): string {
  return updates
    .map((update) => {
      const at = escapeXml(displayTimeInZone(update.displayAtMs, timeZone));
      return `<p><small>${at}</small><br><strong>${statusTitle(update.status)}</strong> - ${bodyHtml(update.body)}</p>`;
    })
    .join('');
}

/** `in_progress` → `In progress`. */
const statusTitle = (status: string): string => {
  const words = status.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

// The body is Markdown; feeds show it as escaped text with its line breaks rather than render it here,
// which would need a Markdown renderer and an HTML sanitizer in a pure module.
const bodyHtml = (body: string): string => escapeXml(body).split(/\r?\n/).join('<br>');
