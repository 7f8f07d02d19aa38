import { describe, expect, it } from 'vitest';
import { sampleView } from './fixture.test-support.ts';
import { between, headingLevels, textOf } from './html-queries.test-support.ts';
import { renderIncidentPage } from './incident-page.ts';

const view = sampleView({ components: 14, incidents: 30, activeIncidents: 3, drafts: 1 });

describe('renderIncidentPage', () => {
  it('shows a resolved incident: name, impact, status, times, components and the whole timeline', () => {
    const incident = view.incidents.find(
      (candidate) => candidate.updates.length === 4 && candidate.status === 'resolved',
    );
    const html = renderIncidentPage(view, incident?.id ?? '') ?? '';
    expect(html).toContain(`<title>${incident?.name} · Acme Status</title>`);
    expect(html).toContain(`<h1>${incident?.name}</h1>`);
    const facts = textOf(between(html, '<dl class="facts">', '</dl>'));
    expect(facts).toMatch(
      /^StatusResolvedImpact(Minor|Major|Critical|No) impactStarted.+Resolved.+Duration.+Affected components.+$/,
    );
    const labels = [...html.matchAll(/<li><p class="meta"><strong>(\w+)<\/strong>/g)].map(
      ([, label]) => label,
    );
    expect(labels).toEqual(['Resolved', 'Monitoring', 'Identified', 'Investigating']);
    expect(html).not.toContain('<script>');
    expect(headingLevels(html)).toEqual([1, 2]);
  });

  it('shows a postmortem above the timeline', () => {
    const incident = view.incidents.find((candidate) => candidate.status === 'postmortem');
    const html = renderIncidentPage(view, incident?.id ?? '') ?? '';
    expect(html).toContain('<h2 id="postmortem">Postmortem</h2><div class="md"><h5>What happened</h5>');
  });

  it('refreshes an open incident by itself', () => {
    expect(renderIncidentPage(view, 'inc-a1')).toContain('location.reload()');
  });

  it('shows a maintenance with its window', () => {
    const html = renderIncidentPage(view, 'mnt-c1') ?? '';
    const facts = between(html, '<dl class="facts">', '</dl>');
    expect(facts).toContain('Maintenance: Completed');
    expect(facts).toMatch(
      /<dt>Window<\/dt><dd><time datetime="[^"]+">[^<]+<\/time> – <time datetime="[^"]+">\d\d:\d\d CET<\/time><\/dd>/,
    );
    const labels = [...html.matchAll(/<li><p class="meta"><strong>([\w ]+)<\/strong>/g)].map(
      ([, label]) => label,
    );
    expect(labels).toEqual(['Completed', 'In progress', 'Scheduled']);
  });

  it('is undefined for an unknown id or a draft', () => {
    expect(renderIncidentPage(view, 'nope')).toBeUndefined();
    expect(renderIncidentPage(view, 'inc-d1')).toBeUndefined();
  });

  it('escapes the name', () => {
    const [first, ...rest] = view.incidents;
    const hostile = { ...view, incidents: [{ ...first!, isDraft: false, name: '<b>"x"</b>' }, ...rest] };
    const html = renderIncidentPage(hostile, first?.id ?? '') ?? '';
    expect(html).toContain('<h1>&lt;b&gt;&quot;x&quot;&lt;/b&gt;</h1>');
  });
});
