import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Indicator } from '../model.ts';
import type { StatusView } from '../view.ts';
import { sampleView } from './fixture.test-support.ts';
import { recentHistoryLimit, renderHomePage } from './home-page.ts';
import { between, headingLevels, startTags, textOf } from './html-queries.test-support.ts';

const view = sampleView({ components: 14, incidents: 30, activeIncidents: 3 });
const html = renderHomePage(view);

describe('renderHomePage: the document', () => {
  it('is a complete, landmarked page titled with the page name', () => {
    expect(html.startsWith('<!doctype html><html lang="en">')).toBe(true);
    expect(html).toContain('<meta name="viewport" content="width=device-width,initial-scale=1">');
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain('<title>Acme Status</title>');
    for (const landmark of [
      '<header>',
      '<main id="main" tabindex="-1">',
      '<footer>',
      '<nav aria-label="Site">',
    ])
      expect(html).toContain(landmark);
    expect(html).toMatch(/<body><a class="skip" href="#main">Skip to main content<\/a>/);
  });

  it('links the history, the feeds and the JSON API from the nav', () => {
    const nav = between(html, '<nav', '</nav>');
    for (const href of ['/', '/history', '/history.rss', '/history.atom', '/api/v2/summary.json'])
      expect(nav).toContain(`href="${href}"`);
    expect(nav).toContain('<a href="/" aria-current="page">');
  });

  it('has headings in order: the page name as h1, an h2 per section', () => {
    const levels = headingLevels(html);
    expect(levels[0]).toBe(1);
    expect(levels.filter((level) => level === 1)).toHaveLength(1);
    levels.forEach((level, index) => expect(level - (levels[index - 1] ?? 0)).toBeLessThanOrEqual(1));
    const h2s = [...html.matchAll(/<h2 id="\w+">([^<]*)<\/h2>/g)].map(([, text]) => text);
    expect(h2s).toEqual([
      'Active incidents',
      'Maintenance in progress',
      'Upcoming maintenance',
      'Components',
      'Past 7 days',
    ]);
  });

  it('loads nothing from elsewhere and reloads itself with one small inline script', () => {
    const tags = startTags(html);
    expect(tags.filter((tag) => tag.attributes.includes('src'))).toEqual([]);
    const links = html.match(/<link [^>]*>/g) ?? [];
    expect(links).toHaveLength(2);
    for (const link of links)
      expect(link).toMatch(/^<link rel="alternate" [^>]*href="\/history\.(rss|atom)">$/);
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(between(html, '<script>', '</script>')).toBe(
      '<script>setTimeout(function(){location.reload()},60000)</script>',
    );
  });

  it('makes only links keyboard reachable (no tabindex on the bars)', () => {
    const focusable = startTags(html).filter((tag) => tag.attributes.includes('tabindex'));
    expect(focusable.map((tag) => tag.name)).toEqual(['main']);
  });

  it('says when it was last updated, in the page zone', () => {
    expect(between(html, '<footer>', '</footer>')).toMatch(
      /Last updated <time datetime="2026-11-20T\d\d:\d\d:\d\d\.\d{3}\+01:00">20 Nov 2026, \d\d:\d\d CET<\/time>/,
    );
  });
});

describe('renderHomePage: the banner', () => {
  it.each<[Indicator, string, string]>([
    ['none', 'All Systems Operational', 'ok'],
    ['minor', 'Partially Degraded Service', 'minor'],
    ['major', 'Partial System Outage', 'major'],
    ['critical', 'Major System Outage', 'critical'],
    ['maintenance', 'Service Under Maintenance', 'maint'],
  ])('indicator %s shows "%s" in the %s colour', (indicator, description, tone) => {
    const page = renderHomePage({ ...view, status: { indicator, description } });
    expect(page).toContain(`<p class="banner ${tone}">${description}</p>`);
  });
});

describe('renderHomePage: components', () => {
  it('lists every component in config order, children inside their group', () => {
    const names = [...html.matchAll(/<span class="name">([^<]*)<\/span>|<h3 id="c\d+">([^<]*)<\/h3>/g)].map(
      ([, component, group]) => component ?? group,
    );
    expect(names).toEqual(view.components.map((component) => component.name));
    const group = view.components.find((component) => component.isGroup);
    const region = between(html, `<section aria-labelledby="c${group?.position}">`, '</section>');
    for (const childId of group?.childIds ?? []) expect(region).toContain(`href="/components/${childId}"`);
  });

  it('shows each status as text as well as colour, and links the per-day details', () => {
    const website = between(html, '<span class="name">Website</span>', '</li>');
    expect(website).toContain('<span class="tag minor">Degraded performance</span>');
    expect(website).toContain(
      '<a href="/components/website">Details<span class="vh"> for Website</span></a>',
    );
    expect(website).toMatch(/90-day uptime: \d+\.\d\d%/);
  });

  it('draws one uptime image per component with days, and says "No data" without any', () => {
    const leaves = view.components.filter((component) => !component.isGroup);
    expect(html.match(/<svg class="bars"/g)).toHaveLength(leaves.length);
    const blind = leaves.find((component) => component.uptime90d === null);
    expect(between(html, `<span class="name">${blind?.name}</span>`, '</li>')).toContain(
      '90-day uptime: No data',
    );
  });

  it('escapes names and descriptions', () => {
    const [first, ...rest] = view.components;
    const hostile: StatusView = {
      ...view,
      page: { ...view.page, name: 'Acme & <i>Co</i>' },
      components: [{ ...first!, name: '<b>"x"</b>', description: "it's <script>" }, ...rest],
    };
    const page = renderHomePage(hostile);
    expect(page).toContain('<span class="name">&lt;b&gt;&quot;x&quot;&lt;/b&gt;</span>');
    expect(page).toContain('<p class="muted">it&#39;s &lt;script&gt;</p>');
    expect(page).toContain('<title>Acme &amp; &lt;i&gt;Co&lt;/i&gt;</title>');
    expect(page).not.toContain('<b>"x"</b>');
  });
});

describe('renderHomePage: incidents and maintenance', () => {
  it('shows every unresolved incident with its whole timeline, newest update first', () => {
    const active = between(html, '<h2 id="active">', '</section>');
    const unresolved = view.incidents.filter((incident) => incident.resolvedAtMs === null);
    expect(active.match(/<article /g)).toHaveLength(unresolved.length);
    const monitoring = unresolved.find((incident) => incident.status === 'monitoring');
    const card = between(active, `<a href="/incidents/${monitoring?.id}">`, '</article>');
    const labels = [...card.matchAll(/<li><p class="meta"><strong>(\w+)<\/strong>/g)].map(
      ([, label]) => label,
    );
    expect(labels).toEqual(['Monitoring', 'Identified', 'Investigating']);
    expect(card).toMatch(/Next update by <time datetime="[^"]+">\d\d:\d\d CET<\/time>/);
    expect(textOf(card)).toMatch(/: Operational → (Degraded performance|Partial outage|Major outage)/);
  });

  it('shows maintenance in progress and upcoming with their windows and permalinks', () => {
    const inProgress = between(html, '<h2 id="maintenance">', '</section>');
    expect(inProgress).toContain('href="/incidents/mnt-p1"');
    expect(inProgress).toMatch(/In progress<\/span> · <time [^>]*>[^<]+<\/time> – <time/);
    const upcoming = between(html, '<h2 id="upcoming">', '</section>');
    expect(upcoming.indexOf('mnt-s1')).toBeLessThan(upcoming.indexOf('mnt-s2'));
    expect(html).not.toContain('href="/incidents/mnt-c1"');
  });

  it('lists incidents resolved in the last 7 days and links the history', () => {
    const recent = between(html, '<h2 id="recent">', '</section>');
    const weekAgoMs = view.nowMs - 7 * 86_400_000;
    const expected = view.incidents
      .filter((incident) => (incident.resolvedAtMs ?? 0) >= weekAgoMs)
      .map((incident) => incident.id);
    const shown = [...recent.matchAll(/href="\/incidents\/([^"]+)"/g)].map(([, id]) => id);
    expect(shown.sort()).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThan(0);
    expect(recent).toContain('<a href="/history">Incident history</a>');
  });

  it('shows only the newest resolved incidents of a busy week and counts the rest', () => {
    const quiet = sampleView({ components: 4, incidents: 15, activeIncidents: 0 });
    // Every one resolved within the last day, an hour apart.
    const busy: StatusView = {
      ...quiet,
      incidents: quiet.incidents.map((incident, i) => ({
        ...incident,
        resolvedAtMs: quiet.nowMs - (i + 1) * 3_600_000,
      })),
    };
    const weekAgoMs = busy.nowMs - 7 * 86_400_000;
    const thisWeek = busy.incidents
      .filter((incident) => (incident.resolvedAtMs ?? 0) >= weekAgoMs)
      .sort((a, b) => (b.resolvedAtMs ?? 0) - (a.resolvedAtMs ?? 0));
    expect(thisWeek.length).toBeGreaterThan(recentHistoryLimit);
    const recent = between(renderHomePage(busy), '<h2 id="recent">', '</section>');
    const shown = [...recent.matchAll(/href="\/incidents\/([^"]+)"/g)].map(([, id]) => id);
    expect(shown).toEqual(thisWeek.slice(0, recentHistoryLimit).map((incident) => incident.id));
    expect(recent).toContain(`(${thisWeek.length - recentHistoryLimit} more this week)`);
  });

  it('says no incident was resolved this week, not that there were none, under an active incident', () => {
    const quiet = sampleView({ components: 4, incidents: 0, activeIncidents: 1 });
    const recent = between(renderHomePage(quiet), '<h2 id="recent">', '</section>');
    expect(recent).toContain('<p>No incidents resolved in the last 7 days.</p>');
    const calm = sampleView({ components: 4, incidents: 0, activeIncidents: 0 });
    expect(between(renderHomePage(calm), '<h2 id="recent">', '</section>')).toContain(
      '<p>No incidents in the last 7 days.</p>',
    );
  });

  it('never shows a draft', () => {
    const withDrafts = sampleView({ components: 14, incidents: 30, activeIncidents: 3, drafts: 2 });
    const page = renderHomePage(withDrafts);
    expect(page).not.toContain('Draft 1');
    expect(page).not.toContain('inc-d1');
  });
});

describe('renderHomePage: weight', () => {
  const heavyView = sampleView({ components: 50, incidents: 200, activeIncidents: 3 });

  // Measured with this fixture: 133,381 bytes raw, 18,036 gzip.
  it('stays under 60 KB gzip (and 200 KB raw) with 50 components, 3 active and 200 past incidents', () => {
    const heavy = renderHomePage(heavyView);
    expect(gzipSync(heavy).length).toBeLessThan(60_000);
    expect(Buffer.byteLength(heavy)).toBeLessThan(200_000);
  });

  // Runs of like days share a path; with none to share, every day costs a path and a tooltip (~445 KB raw).
  it('stays under 60 KB gzip even when no two days read alike', () => {
    const dayMs = 86_400_000;
    const components = heavyView.components.map((component, c) => ({
      ...component,
      days: component.days.map((day, d) => {
        const downMs = (((d * 7 + c * 13) % 89) + 1) * 60_000;
        return {
          ...day,
          upMs: dayMs - downMs,
          degradedMs: 0,
          downMs,
          excludedMs: 0,
          uptime: (dayMs - downMs) / dayMs,
        };
      }),
    }));
    expect(gzipSync(renderHomePage({ ...heavyView, components })).length).toBeLessThan(60_000);
  });
});
