import { describe, expect, it } from 'vitest';
import { sampleView } from './fixture.test-support.ts';
import { renderHistoryPage } from './history-page.ts';
import { between } from './html-queries.test-support.ts';

// 200 incidents, 3 open ones, 6 completed and 3 not yet completed maintenances, 2 drafts: 209 entries.
const view = sampleView({
  components: 14,
  incidents: 200,
  activeIncidents: 3,
  completedMaintenances: 6,
  drafts: 2,
});
const linkedIds = (html: string): string[] =>
  [...between(html, '<main', '</main>').matchAll(/href="\/incidents\/([^"]+)"/g)].map(([, id]) => id ?? '');

const expectedOrder = [
  ...view.incidents
    .filter((incident) => !incident.isDraft)
    .map((incident) => ({ id: incident.id, atMs: incident.startedAtMs })),
  ...view.maintenances
    .filter((maintenance) => maintenance.status === 'completed')
    .map((maintenance) => ({ id: maintenance.id, atMs: maintenance.startedAtMs ?? 0 })),
]
  .sort((a, b) => b.atMs - a.atMs)
  .map((entry) => entry.id);

describe('renderHistoryPage', () => {
  it('pages 20 entries newest first, incidents and completed maintenances alike', () => {
    const first = renderHistoryPage(view, 1);
    expect(first.pageCount).toBe(11);
    expect(linkedIds(first.html)).toEqual(expectedOrder.slice(0, 20));
    const second = renderHistoryPage(view, 2);
    expect(linkedIds(second.html)[0]).toBe(expectedOrder[20]);
    expect(linkedIds(renderHistoryPage(view, 11).html)).toEqual(expectedOrder.slice(200));
  });

  it('links newer and older pages as /history/N, the files a static export has; page 1 is /history', () => {
    const pager = (page: number): string =>
      between(renderHistoryPage(view, page).html, '<nav class="pager"', '</nav>');
    expect(pager(1)).not.toContain('rel="prev"');
    expect(pager(1)).toContain('<a rel="next" href="/history/2">');
    expect(pager(2)).toContain('<a rel="prev" href="/history">');
    expect(pager(2)).toContain('<a rel="next" href="/history/3">');
    expect(pager(3)).toContain('<a rel="prev" href="/history/2">');
    expect(pager(11)).not.toContain('rel="next"');
    expect(pager(2)).toContain('Page 2 of 11');
  });

  it('groups each page by month in the page zone', () => {
    const html = renderHistoryPage(view, 1).html;
    const months = [...html.matchAll(/<h2 id="m\d+">([^<]+)<\/h2>/g)].map(([, month]) => month);
    expect(months).toEqual(['November 2026', 'October 2026']);
  });

  it('never lists a draft or a maintenance that has not happened', () => {
    const all = Array.from({ length: 11 }, (_, index) => renderHistoryPage(view, index + 1).html).join('');
    expect(all).not.toContain('inc-d');
    expect(all).not.toContain('mnt-s');
    expect(all).not.toContain('mnt-p');
  });

  it('answers a page past the end (or not a page number) with no entries and the real page count', () => {
    for (const page of [12, 0, 1.5, Number.NaN]) {
      const result = renderHistoryPage(view, page);
      expect(result.pageCount).toBe(11);
      expect(linkedIds(result.html)).toEqual([]);
      expect(result.html).toContain('There is no such page of the history.');
    }
  });

  it('has one page, saying so, when nothing happened yet', () => {
    const empty = renderHistoryPage({ ...view, incidents: [], maintenances: [] }, 1);
    expect(empty.pageCount).toBe(1);
    expect(empty.html).toContain('<p>No incidents reported.</p>');
  });
});
