import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sampleView } from './render/fixture.test-support.ts';
import { buildSite, type Site } from './site.ts';
import { SiteBuilder, type SiteRequest } from './site-builder.ts';
import type { StatusView } from './view.ts';

const crashingWorker = new URL('./site-worker-crashing.test-support.ts', import.meta.url);
const builders: SiteBuilder[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(builders.splice(0).map((b) => b.close()));
});

function builder(workerUrl?: URL): { builder: SiteBuilder; failures: Error[]; lastTries: boolean[] } {
  const failures: Error[] = [];
  const lastTries: boolean[] = [];
  const built = new SiteBuilder({
    onWorkerFailed: (error, isLastTry) => {
      failures.push(error);
      lastTries.push(isLastTry);
    },
    workerUrl,
  });
  builders.push(built);
  return { builder: built, failures, lastTries };
}

const later = (view: StatusView, minutes: number, name = view.page.name): StatusView => ({
  ...view,
  page: { ...view.page, name, updatedAtMs: view.page.updatedAtMs + minutes * 60_000 },
});

/** Same paths in the same order, and each with the bytes, gzip, validator and headers of a build here. */
function expectSameSite(actual: Site, expected: Site): void {
  expect([...actual.files.keys()]).toEqual([...expected.files.keys()]);
  for (const [path, want] of [...expected.files, ['404', expected.notFound] as const]) {
    const got = path === '404' ? actual.notFound : actual.files.get(path)!;
    expect(Buffer.isBuffer(got.body), path).toBe(true);
    expect(got.body.equals(want.body), path).toBe(true);
    expect(got.gzip === undefined ? undefined : got.gzip.equals(want.gzip!), path).toBe(
      want.gzip === undefined ? undefined : true,
    );
    expect([got.etag, got.contentType, got.contentSecurityPolicy], path).toEqual([
      want.etag,
      want.contentType,
      want.contentSecurityPolicy,
    ]);
  }
}

describe('SiteBuilder', () => {
  it('renders on another thread the same files as buildSite, while this event loop keeps turning', async () => {
    const { builder: sites, failures } = builder();
    const view = sampleView({ components: 12, incidents: 20 });
    let turns = 0;
    let isBuilt = false;
    const turn = () => {
      turns++;
      if (!isBuilt) setImmediate(turn);
    };
    setImmediate(turn);
    const built = await sites.build(view);
    isBuilt = true;
    expect(built.view).toBe(view);
    expectSameSite(built.site, buildSite(view));
    // Built here, the site would be ready before the first setImmediate: nothing else could run meanwhile.
    expect(turns).toBeGreaterThan(0);
    const changed = later(view, 5);
    expectSameSite((await sites.build(changed)).site, buildSite(changed));
    expect(failures).toEqual([]);
  });

  it('keeps the resource of every file the worker found unchanged', async () => {
    const { builder: sites } = builder();
    const view = sampleView({ components: 12, incidents: 20 });
    const first = (await sites.build(view)).site;
    const again = (await sites.build(view)).site;
    expect(again).not.toBe(first);
    for (const [path, resource] of again.files) expect(resource, path).toBe(first.files.get(path));
    expect(again.notFound).toBe(first.notFound);
    const changed = (await sites.build(later(view, 5))).site;
    // Every page's footer moved; a badge did not.
    expect(changed.files.get('/')).not.toBe(first.files.get('/'));
    expect(changed.files.get('/badge/website.svg')).toBe(first.files.get('/badge/website.svg'));
  });

  it('folds the views handed in while a build runs into one build of the latest', async () => {
    const { builder: sites } = builder();
    const view = sampleView({ components: 12, incidents: 20 });
    const first = sites.build(view);
    // The first build begins once this turn's promise callbacks have run.
    await new Promise((resolve) => setImmediate(resolve));
    const [second, third] = [later(view, 1), later(view, 2)].map((v) => sites.build(v));
    const [a, b, c] = await Promise.all([first, second!, third!]);
    expect(a.view).toBe(view);
    expect(b).toBe(c);
    expect(c.view.page.updatedAtMs).toBe(view.page.updatedAtMs + 2 * 60_000);
    expectSameSite(c.site, buildSite(c.view));
  });

  it('builds here when the worker dies, and the next build starts a new worker', async () => {
    const { builder: sites, failures } = builder(crashingWorker);
    const view = sampleView({ components: 12, incidents: 20 });
    await sites.build(view);
    const crashed = later(view, 1, 'crash');
    expectSameSite((await sites.build(crashed)).site, buildSite(crashed));
    expect(failures.map((e) => e.message)).toEqual(['the status site worker exited (3)']);
    // A new worker knows nothing of the build before: it sends every file, and the site matches again.
    const next = later(view, 2);
    expectSameSite((await sites.build(next)).site, buildSite(next));
    expect(failures).toHaveLength(1);
  });

  it('stops trying workers after three failures in a row, and builds here from then on', async () => {
    const { builder: sites, failures, lastTries } = builder(crashingWorker);
    const view = sampleView({ components: 12, incidents: 20 });
    for (let i = 1; i <= 5; i++) {
      const crashed = later(view, i, 'crash');
      expectSameSite((await sites.build(crashed)).site, buildSite(crashed));
    }
    expect(failures).toHaveLength(3);
    expect(lastTries).toEqual([false, false, true]);
  });

  it('posts a component’s history to the worker only when it changed, and renders the same site', async () => {
    const postMessage = vi.spyOn(Worker.prototype, 'postMessage');
    const historiesPosted = () =>
      postMessage.mock.calls.map(([request]) =>
        (request as SiteRequest).view.components.flatMap((c) => (c.history ? [c.id] : [])),
      );
    const { builder: sites, failures } = builder();
    const view = sampleView({ components: 12, incidents: 20 });
    const leaf = view.components.find((c) => c.days.length > 0)!;
    // Each view anew, as the host builds it: equal histories in new arrays.
    const sameHistories = later(structuredClone(view), 5);
    const today = { ...leaf.days.at(-1)!, upMs: leaf.days.at(-1)!.upMs + 60_000 };
    const oneChanged: StatusView = {
      ...later(structuredClone(view), 6),
      components: view.components.map((c) =>
        c === leaf ? { ...c, days: [...c.days.slice(0, -1), today] } : c,
      ),
    };
    for (const next of [view, sameHistories, oneChanged])
      expectSameSite((await sites.build(next)).site, buildSite(next));
    expect(historiesPosted()).toEqual([view.components.map((c) => c.id), [], [leaf.id]]);
    expect(failures).toEqual([]);
  });

  it('rejects a view that cannot be rendered anywhere, and builds the next one', async () => {
    const { builder: sites, failures } = builder();
    const view = sampleView({ components: 12, incidents: 20 });
    const broken = { ...view, incidents: undefined } as unknown as StatusView;
    await expect(sites.build(broken)).rejects.toThrow(TypeError);
    // The worker is not to blame, so it is not reported, and the next view is built by a new one.
    expect(failures).toEqual([]);
    expectSameSite((await sites.build(view)).site, buildSite(view));
  });
});
