import { isoInZone } from '../time-zone.ts';
import type { StatusView } from '../view.ts';
import { escapeXml } from './escape-xml.ts';
import { rfc822InZone } from './feed-dates.ts';
import { feedEntries, type FeedEntry } from './feed-entries.ts';

// Statuspage's /history.rss and /history.atom: same entries, two formats. Every value goes through escapeXml;
// an entry's HTML is escaped as a whole, so the markup arrives as text readers render.

const feedTitle = (view: StatusView): string => `${view.page.name} Status - Incident History`;

export function historyRss(view: StatusView): string {
  const { page } = view;
  const items = feedEntries(view).map((entry) => rssItem(entry, page.timeZone));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
    '<channel>',
    `<title>${escapeXml(feedTitle(view))}</title>`,
    `<link>${escapeXml(page.url)}</link>`,
    `<description>${escapeXml(`Incidents and maintenances of ${page.name}`)}</description>`,
    '<language>en</language>',
    `<lastBuildDate>${rfc822InZone(page.updatedAtMs, page.timeZone)}</lastBuildDate>`,
    `<atom:link href="${escapeXml(`${page.url}/history.rss`)}" rel="self" type="application/rss+xml"/>`,
    ...items,
    '</channel>',
    '</rss>',
    '',
  ].join('\n');
}

function rssItem(entry: FeedEntry, timeZone: string): string {
  return [
    '<item>',
    `<title>${escapeXml(entry.title)}</title>`,
    `<description>${escapeXml(entry.html)}</description>`,
    `<pubDate>${rfc822InZone(entry.publishedAtMs, timeZone)}</pubDate>`,
    `<link>${escapeXml(entry.url)}</link>`,
    `<guid isPermaLink="true">${escapeXml(entry.url)}</guid>`,
    '</item>',
  ].join('');
}

export function historyAtom(view: StatusView): string {
  const { page } = view;
  const entries = feedEntries(view).map((entry) => atomEntry(entry, page.timeZone));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
    // URL ids rather than tag: URIs, which would need a date on which we owned the domain.
    `<id>${escapeXml(`${page.url}/history`)}</id>`,
    `<title>${escapeXml(feedTitle(view))}</title>`,
    `<updated>${isoInZone(page.updatedAtMs, page.timeZone)}</updated>`,
    `<link rel="self" type="application/atom+xml" href="${escapeXml(`${page.url}/history.atom`)}"/>`,
    `<link rel="alternate" type="text/html" href="${escapeXml(page.url)}"/>`,
    // RFC 4287 wants an author on the feed when entries carry none.
    `<author><name>${escapeXml(page.name)}</name></author>`,
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}

function atomEntry(entry: FeedEntry, timeZone: string): string {
  return [
    '<entry>',
    `<id>${escapeXml(entry.url)}</id>`,
    `<title>${escapeXml(entry.title)}</title>`,
    `<published>${isoInZone(entry.publishedAtMs, timeZone)}</published>`,
    `<updated>${isoInZone(entry.updatedAtMs, timeZone)}</updated>`,
    `<link rel="alternate" type="text/html" href="${escapeXml(entry.url)}"/>`,
    `<content type="html">${escapeXml(entry.html)}</content>`,
    '</entry>',
  ].join('');
}
