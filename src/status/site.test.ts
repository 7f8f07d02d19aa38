import { describe, expect, it } from 'vitest';
import { sampleView } from './render/fixture.test-support.ts';
import { buildSite } from './site.ts';

describe('buildSite', () => {
  it('keeps the previous resource of every file whose bytes did not change', () => {
    const view = sampleView({ components: 12, incidents: 20 });
    const first = buildSite(view);
    const second = buildSite(view, first);
    expect([...second.files.keys()]).toEqual([...first.files.keys()]);
    for (const [path, resource] of second.files) expect(resource, path).toBe(first.files.get(path));
    expect(second.notFound).toBe(first.notFound);
  });

  it('renders a changed page anew, and serves the same bytes as a build from scratch', () => {
    const view = sampleView({ components: 12, incidents: 20 });
    const [renamed, untouched] = view.incidents;
    const first = buildSite(view);
    const changed = {
      ...view,
      incidents: view.incidents.map((i) => (i.id === renamed!.id ? { ...i, name: 'Database failover' } : i)),
    };
    const reused = buildSite(changed, first);
    const renamedPage = reused.files.get(`/incidents/${renamed!.id}`)!;
    expect(renamedPage).not.toBe(first.files.get(`/incidents/${renamed!.id}`));
    expect(renamedPage.body.toString()).toContain('Database failover');
    expect(reused.files.get(`/incidents/${untouched!.id}`)).toBe(
      first.files.get(`/incidents/${untouched!.id}`),
    );
    const scratch = buildSite(changed);
    for (const [path, resource] of scratch.files) {
      const kept = reused.files.get(path)!;
      expect(kept.body.equals(resource.body), path).toBe(true);
      expect(kept.etag, path).toBe(resource.etag);
    }
  });

  it('links history pages only to files of the site, so a static export (no query strings) can follow them', () => {
    const site = buildSite(sampleView({ components: 3, incidents: 45 }));
    const hrefs = [...site.files.entries()]
      .filter(([path]) => path.startsWith('/history'))
      .flatMap(([, r]) => [...r.body.toString().matchAll(/rel="(?:prev|next)" href="([^"]+)"/g)])
      .map(([, href]) => href ?? '');
    expect(new Set(hrefs)).toEqual(new Set(['/history', '/history/2', '/history/3']));
    for (const href of hrefs) expect(site.files.has(href), href).toBe(true);
  });
});
