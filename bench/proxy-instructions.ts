import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import {
  callgrindArgs,
  costKind,
  CountedProcess,
  functionCosts,
  nodeFlagsForCounting,
  removePerfMap,
  totalInstructions,
} from './lib/callgrind.ts';
import { bulwarkNodeFlags, ChildSet, findCommand, nodeBinary, waitForListening } from './lib/children.ts';
import { median, referenceNames, thousands } from './lib/report.ts';
import { startNodeScript } from './lib/targets.ts';
import { benchArgs } from './lib/args.ts';

/**
 * CPU per proxied request, counted rather than timed: each Node proxy of bench:proxy runs under valgrind's
 * callgrind, which counts the instructions the process executes in user space, all threads, whatever else the
 * machine is doing. Timed runs on this VM move ±25 % between seconds (docs/benchmarks.md), so differences of a
 * few % per request, the size of what is left to cut, show here and nowhere else.
 *
 * Each proxy takes a warm-up (uncounted), then windows of requests, each counted on its own: small GETs over
 * 50 keep-alive connections from this process to a minimal upstream (not under valgrind). The table gives
 * medians of the windows per request, split into V8's JIT compilers (still at work long after warm-up under
 * valgrind, where everything runs about 50× slower), its garbage collector, and the rest: the request path,
 * whose lowest window is the figure to compare (see `report`). What it does not
 * count is the kernel's work (the system calls, a third of a proxy's CPU on loopback, the same for each proxy:
 * docs/benchmarks.md, session 8) and the cost of cache misses, so the ratios here are of user-space work.
 *
 *   npm run bench:proxy-instructions [-- --only "Bulwark,undici floor" --warmup 100000 --window 5000
 *                                        --windows 7 --top 40 --compare-with ../other-checkout --keep]
 *
 * `--top N` lists the N functions that cost Bulwark the most instructions per request beyond the floor and,
 * with `--compare-with`, the N that changed most between the two builds.
 */

const { values } = benchArgs(import.meta.url, {
  options: {
    only: { type: 'string' },
    warmup: { type: 'string', default: '100000' },
    window: { type: 'string', default: '5000' },
    windows: { type: 'string', default: '7' },
    top: { type: 'string', default: '0' },
    'compare-with': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const warmupRequests = Number(values.warmup);
const windowRequests = Number(values.window);
const windowCount = Number(values.windows);
const topCount = Number(values.top);
if (![warmupRequests, windowRequests, windowCount, topCount].every((n) => Number.isInteger(n) && n >= 0))
  throw new Error('expected whole numbers: --warmup 100000 --window 5000 --windows 7 --top 0');
const valgrind = findCommand('valgrind') ?? '';
if (!valgrind || !findCommand('callgrind_control'))
  throw new Error('valgrind is not installed (apt-get install valgrind)');

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const connections = 50;

interface Counted {
  readonly name: string;
  readonly script: string;
}

const targets: Counted[] = [
  { name: 'Bulwark', script: join(benchDir, 'bulwark-gateway.ts') },
  ...(values['compare-with']
    ? [
        {
          name: `Bulwark (${values['compare-with']})`,
          script: resolve(values['compare-with'], 'bench/bulwark-gateway.ts'),
        },
      ]
    : []),
  { name: referenceNames.floor, script: join(benchDir, 'undici-floor.ts') },
  { name: referenceNames.fastify, script: join(benchDir, 'fastify-proxy.ts') },
].filter((t) => !values.only || values.only.split(',').some((name) => name.trim() === t.name));

interface Window {
  readonly perRequest: number;
  readonly compiler: number;
  readonly gc: number;
  readonly costs: Map<string, number>;
}

interface Result {
  readonly name: string;
  readonly windows: Window[];
  readonly errors: number;
}

/** `count` GETs over `connections` keep-alive connections, each connection sending its next when one is answered. */
async function load(pool: Pool, count: number): Promise<number> {
  let sent = 0;
  let errors = 0;
  const lane = async (): Promise<void> => {
    while (sent < count) {
      sent += 1;
      try {
        const { statusCode, body } = await pool.request({ path: '/', method: 'GET' });
        await body.dump();
        if (statusCode !== 200) errors += 1;
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, lane));
  return errors;
}

async function measure(
  children: ChildSet,
  upstreamUrl: string,
  target: Counted,
  dir: string,
): Promise<Result> {
  const outPattern = join(dir, `callgrind.${target.name.replace(/\W+/g, '-')}.%p`);
  const child = children.spawn(valgrind, [
    ...callgrindArgs(outPattern),
    nodeBinary,
    ...bulwarkNodeFlags,
    ...nodeFlagsForCounting(dir),
    target.script,
    '--upstream',
    upstreamUrl,
  ]);
  const pid = child.pid!;
  try {
    const url = await waitForListening(child, 120_000);
    const counted = new CountedProcess(pid, outPattern.replace('%p', String(pid)));
    const pool = new Pool(url, { connections, pipelining: 1 });
    let errors = await load(pool, warmupRequests);
    const windows: Window[] = [];
    for (let i = 0; i < windowCount; i++) {
      const dump = await counted.countDuring(async () => {
        errors += await load(pool, windowRequests);
      });
      const costs = await functionCosts(dump, pid);
      const byKind = { compiler: 0, gc: 0, other: 0 };
      for (const [name, instructions] of costs) byKind[costKind(name)] += instructions;
      const perRequest = (n: number): number => n / windowRequests;
      for (const [name, instructions] of costs) costs.set(name, perRequest(instructions));
      windows.push({
        perRequest: perRequest(totalInstructions(dump)),
        compiler: perRequest(byKind.compiler),
        gc: perRequest(byKind.gc),
        costs,
      });
      process.stderr.write(
        `${target.name}: window ${i + 1} of ${windowCount}: ${thousands(perRequest(totalInstructions(dump)))} instructions per request\n`,
      );
    }
    await pool.close();
    return { name: target.name, windows, errors };
  } finally {
    await children.kill(child);
    // --keep: the dumps stay for callgrind_annotate (--tree=caller finds who calls what), with the perf map.
    if (values.keep) copyFileSync(`/tmp/perf-${pid}.map`, join(dir, `perf-${pid}.map`));
    removePerfMap(pid);
  }
}

function report(results: readonly Result[]): void {
  const floor = results.find((r) => r.name === referenceNames.floor);
  const of = (r: Result, part: (w: Window) => number): number => median(r.windows.map(part));
  // The request path's own work. V8 starts some GCs by the clock, and under valgrind a request takes about 50×
  // longer, so those land in some windows and not others: GC is left out (docs/benchmarks.md measures it natively).
  const mutator = (w: Window): number => w.perRequest - w.compiler - w.gc;
  // Some windows run slower paths for a while (a V8 object-literal slow path, in either build, seen only
  // under valgrind); they only ever add work, so the lowest window is the request path itself.
  const lowest = (r: Result): number => Math.min(...r.windows.map(mutator));
  console.log(
    `\n${windowCount} windows of ${thousands(windowRequests)} GETs after ${thousands(warmupRequests)} uncounted, ${connections} connections; instructions per request, median of the windows unless it says lowest`,
  );
  console.log(
    "\n| proxy | all | JIT compilers | GC | request path (the rest) | request path, lowest window | each window's request path | lowest vs undici floor | errors |",
  );
  console.log('|---|--:|--:|--:|--:|--:|---|--:|--:|');
  for (const r of results) {
    const spread = r.windows.map((w) => thousands(mutator(w))).join(', ');
    const ratio = floor ? `${(lowest(r) / lowest(floor)).toFixed(2)}×` : '—';
    console.log(
      `| ${r.name} | ${thousands(of(r, (w) => w.perRequest))} | ${thousands(of(r, (w) => w.compiler))} | ${thousands(of(r, (w) => w.gc))} | ${thousands(of(r, mutator))} | ${thousands(lowest(r))} | ${spread} | ${ratio} | ${r.errors} |`,
    );
  }
  const bulwark = results.find((r) => r.name === 'Bulwark');
  if (topCount > 0 && bulwark && floor) printTop(bulwark, floor, 'more');
  // Before and after: what changed between this checkout and the one given with --compare-with.
  const other = results.find((r) => r.name.startsWith('Bulwark ('));
  if (topCount > 0 && bulwark && other) printTop(bulwark, other, 'either');
}

/** Functions by what they cost `a` beyond `b`, per request, as medians of the windows; `b` may spend more. */
function printTop(a: Result, b: Result, order: 'more' | 'either'): void {
  const medianCost = (r: Result, name: string): number =>
    median(r.windows.map((w) => w.costs.get(name) ?? 0));
  const names = new Set([...a.windows, ...b.windows].flatMap((w) => [...w.costs.keys()]));
  const rows = [...names]
    .filter((name) => costKind(name) === 'other')
    .map((name) => ({ name, a: medianCost(a, name), b: medianCost(b, name) }))
    .map((row) => ({ ...row, more: row.a - row.b }))
    .sort((x, y) => (order === 'more' ? y.more - x.more : Math.abs(y.more) - Math.abs(x.more)))
    .slice(0, topCount);
  console.log(
    `\nWhere ${a.name} spends ${order === 'more' ? 'more than' : 'other than'} ${b.name} (JIT compilers and GC left out), instructions per request:\n`,
  );
  console.log(`| more | ${a.name} | ${b.name} | function |`);
  console.log('|--:|--:|--:|---|');
  for (const row of rows)
    console.log(
      `| ${thousands(row.more)} | ${thousands(row.a)} | ${thousands(row.b)} | ${row.name.replaceAll('|', '\\|')} |`,
    );
}

const children = new ChildSet();
const dir = mkdtempSync(join(tmpdir(), 'bulwark-bench-instructions-'));
try {
  const upstream = await startNodeScript(children, 1, 'upstream-minimal.ts', []);
  const results: Result[] = [];
  for (const target of targets) results.push(await measure(children, upstream.url, target, dir));
  report(results);
  const valgrindVersion = execFileSync(valgrind, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`\n- node ${process.version}; ${valgrindVersion}`);
} finally {
  await children.killAll();
  if (values.keep) console.log(`\nDumps and perf maps kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
