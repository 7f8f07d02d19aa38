import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { statusBadge, uptimeBadge } from './api/badges.ts';
import { historyAtom, historyRss } from './api/feeds.ts';
import {
  activeMaintenancesDocument,
  componentsDocument,
  incidentsDocument,
  maintenancesDocument,
  statusDocument,
  summaryDocument,
  unresolvedIncidentsDocument,
  upcomingMaintenancesDocument,
} from './api/statuspage-v2.ts';
import {
  renderComponentPage,
  renderHistoryPage,
  renderHomePage,
  renderIncidentPage,
  renderNotFoundPage,
  renderSubscribePage,
} from './render/index.ts';
import type { StatusView } from './view.ts';

/** One public file, ready to send: bytes, a gzip copy, a strong validator and its headers. */
export interface Resource {
  readonly body: Buffer;
  /** Absent when compression would not pay (tiny bodies). */
  readonly gzip: Buffer | undefined;
  readonly etag: string;
  readonly contentType: string;
  /** HTML only: a Content-Security-Policy that allows its own inline script and style, nothing else. */
  readonly contentSecurityPolicy: string | undefined;
}

/** Every public path → its resource. Static-host friendly: no query strings (history pages are /history/N). */
export interface Site {
  readonly files: ReadonlyMap<string, Resource>;
  readonly notFound: Resource;
}

const html = 'text/html; charset=utf-8';
const json = 'application/json; charset=utf-8';

/**
 * Renders everything the status listener serves, once per change: requests then only look up bytes, so the
 * page stays fast and up while the gateway, the monitors or the database are in trouble. A file whose bytes
 * are the same as in `previous` keeps its resource: compressing and hashing every page again was a third of the
 * minute's history rebuild. (After a change every page differs, as each footer says when the page last
 * changed.) The status host runs this on a worker thread (SiteBuilder).
 */
export function buildSite(view: StatusView, previous?: Site): Site {
  const files = new Map<string, Resource>();
  const add = (path: string, contentType: string, text: string) =>
    files.set(path, resourceOf(contentType, text, previous?.files.get(path)));
  const addJson = (path: string, document: unknown) => add(path, json, JSON.stringify(document));

  add('/', html, renderHomePage(view));
  if (view.page.offersEmail) add('/subscribe', html, renderSubscribePage(view));
  const first = renderHistoryPage(view, 1);
  add('/history', html, first.html);
  for (let page = 2; page <= first.pageCount; page++)
    add(`/history/${page}`, html, renderHistoryPage(view, page).html);
  for (const { id } of [...view.incidents, ...view.maintenances]) {
    const page = renderIncidentPage(view, id);
    if (page !== undefined) add(`/incidents/${id}`, html, page);
  }
  for (const component of view.components) {
    const page = renderComponentPage(view, component.id);
    if (page !== undefined) add(`/components/${component.id}`, html, page);
    add(`/badge/${component.id}.svg`, 'image/svg+xml', statusBadge(component));
    add(`/badge/${component.id}/uptime.svg`, 'image/svg+xml', uptimeBadge(component));
  }
  addJson('/api/v2/summary.json', summaryDocument(view));
  addJson('/api/v2/status.json', statusDocument(view));
  addJson('/api/v2/components.json', componentsDocument(view));
  addJson('/api/v2/incidents.json', incidentsDocument(view));
  addJson('/api/v2/incidents/unresolved.json', unresolvedIncidentsDocument(view));
  addJson('/api/v2/scheduled-maintenances.json', maintenancesDocument(view));
  addJson('/api/v2/scheduled-maintenances/upcoming.json', upcomingMaintenancesDocument(view));
  addJson('/api/v2/scheduled-maintenances/active.json', activeMaintenancesDocument(view));
  add('/history.rss', 'application/rss+xml; charset=utf-8', historyRss(view));
  add('/history.atom', 'application/atom+xml; charset=utf-8', historyAtom(view));
  return { files, notFound: resourceOf(html, renderNotFoundPage(view), previous?.notFound) };
}

/** A page rendered for one request (the subscription flow), with the same headers as the site's. */
export function pageResource(text: string): Resource {
  return resourceOf(html, text);
}

/** A JSON answer made for one request (an API path the site has no document for). */
export function jsonResource(document: unknown): Resource {
  return resourceOf(json, JSON.stringify(document));
}

function resourceOf(contentType: string, text: string, previous?: Resource): Resource {
  const body = Buffer.from(text);
  if (previous && previous.contentType === contentType && previous.body.equals(body)) return previous;
  const gzip = body.length > 512 ? gzipSync(body, { level: 9 }) : undefined;
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return {
    body,
    gzip: gzip && gzip.length < body.length ? gzip : undefined,
    etag,
    contentType,
    contentSecurityPolicy: contentType === html ? policyFor(text) : undefined,
  };
}

/**
 * Nothing but the page's own inline script (by hash) and style: even if a sanitizer ever let markup through,
 * a browser would run no script it brought and load nothing from elsewhere.
 */
function policyFor(page: string): string {
  const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    (m) =>
      `'sha256-${createHash('sha256')
        .update(m[1] ?? '')
        .digest('base64')}'`,
  );
  return [
    "default-src 'none'",
    `script-src ${scripts.length > 0 ? scripts.join(' ') : "'none'"}`,
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
  ].join('; ');
}
