import { describe, expect, it } from 'vitest';
import { renderComponentPage } from './component-page.ts';
import { sampleView } from './fixture.test-support.ts';
import { between, headingLevels } from './html-queries.test-support.ts';
import { renderNotFoundPage } from './not-found-page.ts';

const view = sampleView({ components: 14, incidents: 60, activeIncidents: 3, drafts: 1 });
const dayRows = (html: string): string[] =>
  between(html, '<tbody>', '</tbody>').match(/<tr>.*?<\/tr>/g) ?? [];

describe('renderComponentPage', () => {
  const website = view.components.find((component) => component.id === 'website');
  const html = renderComponentPage(view, 'website') ?? '';

  it('tables the 90 days newest first, with a caption and header scopes', () => {
    expect(html).toMatch(/<table><caption>[^<]+<\/caption>/);
    expect(html.match(/<th scope="col"/g)).toHaveLength(5);
    const rows = dayRows(html);
    expect(rows).toHaveLength(90);
    expect(rows[0]).toContain(`<th scope="row">${website?.days.at(-1)?.date}</th>`);
  });

  it('shows uptime, down and degraded minutes per day, "No data" when nothing was observed', () => {
    const rows = dayRows(html);
    const days = [...(website?.days ?? [])].reverse();
    const downIndex = days.findIndex((day) => day.downMs > 0);
    const down = days[downIndex];
    expect(rows[downIndex]).toContain(`<td class="num">${Math.ceil((down?.downMs ?? 0) / 60_000)}</td>`);
    const blankIndex = days.findIndex((day) => day.uptime === null);
    expect(rows[blankIndex]).toContain(
      '<td class="num">No data</td><td class="num">–</td><td class="num">–</td>',
    );
  });

  it('links the incidents that touched the component on each day', () => {
    const incident = view.incidents.find(
      (candidate) => !candidate.isDraft && candidate.componentIds.includes('website'),
    );
    const date = new Date(incident?.startedAtMs ?? 0).toISOString().slice(0, 10);
    const row = dayRows(html).find((candidate) => candidate.includes(`<th scope="row">${date}</th>`));
    expect(row).toContain(`<a href="/incidents/${incident?.id}">`);
    const linked = new Set([...html.matchAll(/href="\/incidents\/([^"]+)"/g)].map(([, id]) => id));
    for (const id of linked) {
      const touched = view.incidents.find((candidate) => candidate.id === id);
      expect(touched?.componentIds ?? ['website']).toContain('website');
    }
    expect(html).not.toContain('inc-d1');
  });

  it('draws the response-time chart with an accessible name and axis text', () => {
    const chart = between(html, '<svg class="chart"', '</svg>');
    expect(chart).toMatch(
      /role="img" aria-label="Median response time per hour, \d\d:\d\d CET to \d\d:\d\d CET: lowest \d+ ms, highest \d+ ms, latest \d+ ms"/,
    );
    expect(chart).toMatch(/<title>Median response time/);
    expect(chart.match(/<text /g)).toHaveLength(5);
    expect(chart).toContain('>0 ms</text>');
    expect(chart.match(/<polyline points="([\d.]+,[\d.]+ ?){24}"\/>/)).not.toBeNull();
  });

  it('says when a monitored component without response times will get its first point', () => {
    const fresh = { ...view, components: view.components.map((c) => ({ ...c, latency: [] })) };
    const monitored = fresh.components.find((c) => !c.isGroup && c.monitors.length > 0);
    const unmonitored = fresh.components.find((c) => !c.isGroup && c.monitors.length === 0);
    expect(renderComponentPage(fresh, monitored?.id ?? '')).toContain(
      '<p>No response-time data yet: each complete hour of successful checks adds a point, a minute or so after the hour ends.</p>',
    );
    expect(renderComponentPage(fresh, unmonitored?.id ?? '')).toContain(
      '<p>No response-time data: no monitor checks this component.</p>',
    );
  });

  it("lists a group's children instead of days", () => {
    const group = view.components.find((component) => component.isGroup);
    const page = renderComponentPage(view, group?.id ?? '') ?? '';
    for (const childId of group?.childIds ?? []) expect(page).toContain(`href="/components/${childId}"`);
    expect(page).not.toContain('<table>');
  });

  it('keeps headings in order and is undefined for an unknown id', () => {
    expect(headingLevels(html)).toEqual([1, 2, 2]);
    expect(renderComponentPage(view, 'nope')).toBeUndefined();
  });
});

describe('renderNotFoundPage', () => {
  it('is a full page in the same shell', () => {
    const html = renderNotFoundPage(view);
    expect(html).toContain('<title>Page not found · Acme Status</title>');
    expect(html).toContain('<h1>Page not found</h1>');
    expect(html).toContain('<nav aria-label="Site">');
  });
});
