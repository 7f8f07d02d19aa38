import { escapeHtml } from '../../core/markup.ts';
import type { StatusView } from '../view.ts';
import { styles } from './styles.ts';
import { timeTag } from './time-format.ts';

export { escapeHtml };

/** A path segment of a link built from an id (ids are slugs, but config may set anything). */
export function hrefFor(prefix: string, id: string): string {
  return escapeHtml(`${prefix}${encodeURIComponent(id)}`);
}

/** A landmark region named by its h2. `id` must be a plain token (it is not escaped). */
export function renderSection(id: string, heading: string, content: string): string {
  return `<section aria-labelledby="${id}"><h2 id="${id}">${heading}</h2>${content}</section>`;
}

export interface PageShell {
  /** Shown after the page name in `<title>`; the home page has none. */
  readonly title?: string;
  /** The nav link marked `aria-current="page"`. */
  readonly currentPath?: string;
  /** `<main>`'s content. */
  readonly body: string;
  /** Pages that change while someone watches (home, an open incident) reload themselves. */
  readonly autoRefresh?: boolean;
  /** The home page puts the page name in its own `<h1>`; other pages give the header a plain link. */
  readonly isHome?: boolean;
}

const navLinks: readonly (readonly [string, string])[] = [
  ['/', 'Status'],
  ['/history', 'History'],
  ['/history.rss', 'RSS'],
  ['/history.atom', 'Atom'],
  ['/api/v2/summary.json', 'JSON API'],
];

// A full reload keeps the page complete without JavaScript: the script only saves pressing F5. The host's
// Content-Security-Policy, if any, has to allow this exact inline script (by hash).
export const refreshScript = 'setTimeout(function(){location.reload()},60000)';

/** The complete document around a page's `<main>`: head, skip link, header with nav, footer. */
export function renderDocument(view: StatusView, shell: PageShell): string {
  const pageName = escapeHtml(view.page.name);
  const title = shell.title === undefined ? pageName : `${escapeHtml(shell.title)} · ${pageName}`;
  const siteName =
    shell.isHome === true ? `<h1>${pageName}</h1>` : `<p class="site"><a href="/">${pageName}</a></p>`;
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${title}</title>`,
    '<link rel="alternate" type="application/rss+xml" title="RSS" href="/history.rss">',
    '<link rel="alternate" type="application/atom+xml" title="Atom" href="/history.atom">',
    `<style>${styles}</style>`,
    shell.autoRefresh === true ? `<script>${refreshScript}</script>` : '',
    '</head><body><a class="skip" href="#main">Skip to main content</a>',
    `<header><div class="wrap">${siteName}${renderNav(shell.currentPath, view.page.offersEmail)}</div></header>`,
    `<main id="main" tabindex="-1"><div class="wrap">${shell.body}</div></main>`,
    renderFooter(view),
    '</body></html>',
  ].join('');
}

function renderNav(currentPath: string | undefined, offersEmail: boolean): string {
  const links = offersEmail ? [...navLinks, ['/subscribe', 'Subscribe'] as const] : navLinks;
  const items = links.map(([path, label]) => {
    const current = path === currentPath ? ' aria-current="page"' : '';
    return `<li><a href="${path}"${current}>${label}</a></li>`;
  });
  return `<nav aria-label="Site"><ul>${items.join('')}</ul></nav>`;
}

function renderFooter(view: StatusView): string {
  const zone = escapeHtml(view.page.timeZone);
  return (
    `<footer><div class="wrap"><p>Last updated ${timeTag(view.page.updatedAtMs, view.page.timeZone)}. ` +
    `Times in ${zone}.</p><p>Subscribe: ${view.page.offersEmail ? '<a href="/subscribe">Email</a> · ' : ''}` +
    '<a href="/history.rss">RSS</a> · <a href="/history.atom">Atom</a> · ' +
    '<a href="/api/v2/summary.json">JSON</a></p></div></footer>'
  );
}
