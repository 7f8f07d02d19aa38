import { sampleView } from '../src/status/render/fixture.test-support.ts';
import { buildSite, type Site } from '../src/status/site.ts';
import { SiteBuilder } from '../src/status/site-builder.ts';
import type { StatusView } from '../src/status/view.ts';
import { benchArgs } from './lib/args.ts';

/**
 * How long a status page rebuild blocks the event loop (in one process, the gateway's too), over the test
 * fixture's sample views: the first build, a rebuild after a change (the page's "last updated" moves, so every
 * file differs) and the minute's rebuild when nothing changed, each built here with buildSite; then a rebuild
 * after a change through SiteBuilder, as the status host does it, on a worker thread: there the event loop is
 * blocked only in pieces (copying the view out, taking the new files in), and the column is the longest gap
 * between two turns of this loop while it runs.
 *   node bench/status-rebuild.ts [--components 50] [--incidents 30,200,1000] [--builds 5]
 */

const { values } = benchArgs(import.meta.url, {
  options: {
    components: { type: 'string', default: '50' },
    incidents: { type: 'string', default: '30,200,1000' },
    builds: { type: 'string', default: '5' },
  },
});
const components = Number(values.components);
const builds = Number(values.builds);
const incidentCounts = values.incidents.split(',').map(Number);
if (![components, builds, ...incidentCounts].every((n) => Number.isInteger(n) && n > 0))
  throw new Error('expected --components 50 --incidents 30,200,1000 --builds 5 (positive integers)');

const msOf = (work: () => void): number => {
  const startMs = performance.now();
  work();
  return performance.now() - startMs;
};
const meanMs = (rebuild: (i: number) => void): string => {
  const totalMs = msOf(() => {
    for (let i = 1; i <= builds; i++) rebuild(i);
  });
  return `${(totalMs / builds).toFixed(1)} ms`;
};
/** The longest the event loop went without a turn while `work` ran. */
async function longestBlockMs(work: () => Promise<unknown>): Promise<number> {
  let longestMs = 0;
  let lastMs = performance.now();
  let isDone = false;
  const turn = () => {
    const nowMs = performance.now();
    longestMs = Math.max(longestMs, nowMs - lastMs);
    lastMs = nowMs;
    if (!isDone) setImmediate(turn);
  };
  setImmediate(turn);
  await work();
  isDone = true;
  return Math.max(longestMs, performance.now() - lastMs);
}
const median = (values: number[]): number => {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const changed = (view: StatusView, i: number): StatusView => ({
  ...view,
  page: { ...view.page, updatedAtMs: view.page.updatedAtMs + i * 60_000 },
});

process.stdout.write(
  `| incidents | files | first build | rebuild after a change | rebuild, nothing changed | after a change, on the worker: longest block (median) | its whole build (median) |\n|--:|--:|--:|--:|--:|--:|--:|\n`,
);
const builder = new SiteBuilder({
  // A build that fell back to this thread would be timed as the worker's: stop instead.
  onWorkerFailed: (error) => {
    throw error;
  },
});
for (const incidents of incidentCounts) {
  const view = sampleView({ components, incidents });
  let site: Site | undefined;
  const firstMs = msOf(() => (site = buildSite(view)));
  const afterChange = meanMs((i) => (site = buildSite(changed(view, i), site)));
  site = buildSite(view, site);
  const unchanged = meanMs(() => (site = buildSite(view, site)));
  await builder.build(view);
  const blocksMs: number[] = [];
  const buildsMs: number[] = [];
  for (let i = 1; i <= builds; i++) {
    const startMs = performance.now();
    blocksMs.push(await longestBlockMs(() => builder.build(changed(view, i))));
    buildsMs.push(performance.now() - startMs);
  }
  process.stdout.write(
    `| ${incidents} | ${site.files.size} | ${firstMs.toFixed(1)} ms | ${afterChange} | ${unchanged} | ${median(blocksMs).toFixed(1)} ms | ${median(buildsMs).toFixed(0)} ms |\n`,
  );
}
await builder.close();
