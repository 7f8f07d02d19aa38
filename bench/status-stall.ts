import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startBenchBulwark, type StartedBulwark } from './lib/bulwark-start.ts';
import { ChildSet, freePort, isPinningAvailable } from './lib/children.ts';
import { runOpenLoopChild } from './lib/open-loop.ts';
import type { PhaseSummary } from './lib/open-loop-summary.ts';
import { admin, seedIncidents, statusBenchConfig, waitForIndicator } from './lib/status-setup.ts';
import { startNodeScript } from './lib/targets.ts';
import { benchArgs } from './lib/args.ts';

/**
 * What status page edits cost the gateway in one process. Bulwark runs the status page of bench:status (50
 * components, 200 resolved and 3 open incidents) and proxies `/` to a minimal upstream; an open-loop client
 * offers a fixed rate through the gateway. The same run has a quiet phase, then one where an open incident gets
 * an update every second through the admin API, as during an incident; each update rebuilds the whole page.
 * Bulwark (its status page worker thread included) is pinned to core 0, the client and the upstream to core 1;
 * this script, which sends the updates, is not pinned.
 *
 *   npm run bench:status-stall [-- --rate 2000 --phase-s 20 --edit-every-ms 1000 --runs 1]
 *                              [-- --compare-with ../other-checkout]  (the same run against another build)
 */

const { values } = benchArgs(import.meta.url, {
  options: {
    rate: { type: 'string', default: '2000' },
    'phase-s': { type: 'string', default: '20' },
    'edit-every-ms': { type: 'string', default: '1000' },
    runs: { type: 'string', default: '1' },
    'compare-with': { type: 'string' },
  },
});
const ratePerS = Number(values.rate);
const phaseMs = Number(values['phase-s']) * 1000;
const editEveryMs = Number(values['edit-every-ms']);
const runs = Number(values.runs);
if (![ratePerS, phaseMs, editEveryMs, runs].every((n) => Number.isInteger(n) && n > 0))
  throw new Error('expected positive integers: --rate 2000 --phase-s 20 --edit-every-ms 1000 --runs 1');

const builds = [
  { name: 'this checkout', mainScript: undefined },
  ...(values['compare-with']
    ? [{ name: values['compare-with'], mainScript: resolve(values['compare-with'], 'src/main.ts') }]
    : []),
];
const rampMs = 2_000;
const warmupMs = 5_000;
// Edits start a little into their phase and stop before its end: the client's clock starts when its process
// has loaded, which this script can only estimate, and no edit may fall into the quiet phase.
const editSlackMs = 1_500;

interface Measured {
  readonly build: string;
  readonly run: number;
  readonly quiet: PhaseSummary;
  readonly edits: PhaseSummary;
  readonly editCount: number;
  readonly editMs: number[];
}

async function measure(children: ChildSet, upstreamUrl: string, build: (typeof builds)[number], run: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-bench-status-stall-'));
  let bulwark: StartedBulwark | undefined;
  try {
    const statusPort = await freePort();
    bulwark = await startBenchBulwark({
      children,
      core: 0,
      dir,
      startTimeoutMs: 60_000,
      readyPath: '/readyz',
      mainScript: build.mainScript,
      configYaml: (ports) =>
        statusBenchConfig(
          { ...ports, statusPort, dir },
          {
            extraPools: [`  app: { endpoints: [{ url: "${upstreamUrl}" }] }`],
            routes: '[{ match: { path_prefix: / }, pool: app }]',
          },
        ),
    });
    const open = await seedIncidents(bulwark.adminUrl);
    await waitForIndicator(`http://127.0.0.1:${statusPort}`, 'critical', 30_000);
    const editing = { count: 0, ms: [] as number[], isOn: true };
    const client = runOpenLoopChild(children, 1, {
      url: `${bulwark.gatewayUrl}/`,
      phases: [
        { name: 'ramp', ratePerS: ratePerS / 2, durationMs: rampMs },
        { name: 'warm-up', ratePerS, durationMs: warmupMs },
        { name: 'quiet', ratePerS, durationMs: phaseMs },
        { name: 'edits', ratePerS, durationMs: phaseMs },
      ],
      connections: 50,
      timeoutMs: 10_000,
    });
    const editsFromMs = performance.now() + rampMs + warmupMs + phaseMs + editSlackMs;
    const editsUntilMs = editsFromMs + phaseMs - 2 * editSlackMs;
    const edits = (async () => {
      await delay(editsFromMs - performance.now());
      for (let due = editsFromMs; due < editsUntilMs && editing.isOn; due += editEveryMs) {
        await delay(due - performance.now());
        const startMs = performance.now();
        await admin(bulwark.adminUrl, 'PATCH', `/api/v1/incidents/${open[editing.count % open.length]}`, {
          incident: {
            status: 'identified',
            body: `Update ${editing.count + 1}: the cause is **identified**.`,
          },
        });
        editing.ms.push(performance.now() - startMs);
        editing.count++;
      }
    })();
    const summary = await client.finally(() => (editing.isOn = false));
    await edits;
    const phase = (name: string) => {
      const found = summary.phases.find((p) => p.name === name);
      if (!found) throw new Error(`the client reported no ${name} phase`);
      return found;
    };
    return {
      build: build.name,
      run,
      quiet: phase('quiet'),
      edits: phase('edits'),
      editCount: editing.count,
      editMs: editing.ms,
    } satisfies Measured;
  } finally {
    // Before its directory goes: its exit handler reads the log there.
    if (bulwark) await children.kill(bulwark.process);
    rmSync(dir, { recursive: true, force: true });
  }
}

const delay = (ms: number) => new Promise((done) => setTimeout(done, Math.max(0, ms)));
const ms = (value: number) => `${value.toFixed(2)} ms`;
const median = (xs: readonly number[]) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const errorsOf = (p: PhaseSummary) =>
  p.timeouts +
  p.rejected.count +
  Object.values(p.otherStatuses).reduce((a, b) => a + b, 0) +
  Object.values(p.errorsByKind).reduce((a, b) => a + b, 0);

const children = new ChildSet();
try {
  if (!isPinningAvailable) console.warn('taskset or a second core is missing: processes are not pinned');
  const upstream = await startNodeScript(children, 1, 'upstream-minimal.ts', []);
  const results: Measured[] = [];
  for (let run = 1; run <= runs; run++)
    for (const build of builds) {
      const result = await measure(children, upstream.url, build, run);
      results.push(result);
      console.log(
        `run ${run} ${build.name}: quiet p99 ${ms(result.quiet.ok.p99Ms)}, with edits p99 ${ms(result.edits.ok.p99Ms)}, ` +
          `${result.editCount} edits (median ${ms(median(result.editMs))} each)`,
      );
    }
  console.log(
    `\n${ratePerS.toLocaleString('en-US')} req/s through the gateway, 50 connections, open loop; ${phaseMs / 1000} s quiet, ` +
      `then ${phaseMs / 1000} s with an incident update every ${editEveryMs} ms; Bulwark on core 0\n`,
  );
  console.log(
    '| build | run | phase | sent req/s | p50 | p99 | p99.9 | errors | edits | admin PATCH (median) |',
  );
  console.log('|---|--:|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of results)
    for (const [name, p] of [
      ['quiet', r.quiet],
      ['edits', r.edits],
    ] as const)
      console.log(
        `| ${r.build} | ${r.run} | ${name} | ${Math.round(p.sentPerS).toLocaleString('en-US')} | ${ms(p.ok.p50Ms)} | ` +
          `${ms(p.ok.p99Ms)} | ${ms(p.ok.p999Ms)} | ${errorsOf(p)} | ` +
          `${name === 'edits' ? `${r.editCount} | ${ms(median(r.editMs))}` : '– | –'} |`,
      );
} finally {
  await children.killAll();
}
