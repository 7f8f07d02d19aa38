import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBenchBulwark } from './lib/bulwark-start.ts';
import { ChildSet, findCommand, freePort, isPinningAvailable, pinned } from './lib/children.ts';
import { groupCpuMs } from './lib/cpu.ts';
import { parseWrk, type LoadResult } from './lib/load.ts';
import {
  componentCount,
  historicalIncidents,
  openIncidents,
  seedIncidents,
  statusBenchConfig,
  waitForIndicator,
} from './lib/status-setup.ts';
import { benchArgs } from './lib/args.ts';

/**
 * The status page under load, as the issue asks: 50 components and 200 historical incidents while every
 * gateway pool is down. Bulwark is pinned to core 0, wrk to core 1; `/` and `/api/v2/summary.json` are driven
 * separately with 64 keep-alive connections and `accept-encoding: gzip`, after a warm-up that is not counted.
 *
 *   npm run bench:status [-- --runs 3 --duration-s 10 --warmup-s 10 --connections 64]
 */

const { values } = benchArgs(import.meta.url, {
  options: {
    runs: { type: 'string', default: '3' },
    'duration-s': { type: 'string', default: '10' },
    'warmup-s': { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    'keep-dir': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const durationS = Number(values['duration-s']);
const warmupS = Number(values['warmup-s']);
const connections = Number(values.connections);

const targets = { requestsPerS: 10_000, p99Ms: 20, pageKiB: 60 };

const wrk = findCommand('wrk');
if (!wrk) throw new Error('bench:status needs wrk on PATH (apt-get install wrk)');

/** Body bytes on the wire (node:http does not decompress), with and without gzip. */
function bodyBytes(url: string, gzip: boolean): Promise<{ bytes: number; encoding: string; status: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: gzip ? { 'accept-encoding': 'gzip' } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () =>
        resolve({
          bytes,
          encoding: String(res.headers['content-encoding'] ?? 'identity'),
          status: res.statusCode ?? 0,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function runWrk(children: ChildSet, url: string, seconds: number): Promise<LoadResult> {
  const [command, args] = pinned(1, wrk as string, [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    '-H',
    'Accept-Encoding: gzip',
    url,
  ]);
  const child = children.spawn(command, args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`wrk failed (exit ${code}): ${stderr.trim().slice(-300)}`));
      else resolve(parseWrk(stdout));
    });
  });
}

interface Run extends LoadResult {
  readonly cpuShare: number | undefined;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || Number.isNaN(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const children = new ChildSet();
const dir = mkdtempSync(join(tmpdir(), 'bulwark-bench-status-'));
try {
  if (!isPinningAvailable) console.warn('taskset or a second core is missing: processes are not pinned');
  const statusPort = await freePort();
  const bulwark = await startBenchBulwark({
    children,
    core: 0,
    dir,
    startTimeoutMs: 60_000,
    readyPath: '/readyz',
    configYaml: (ports) => statusBenchConfig({ ...ports, statusPort, dir }),
  });
  const statusUrl = `http://127.0.0.1:${statusPort}`;
  console.log(`Bulwark pid ${bulwark.pid} up in ${fmt(bulwark.startupMs)} ms; data in ${dir}`);

  const seedStart = performance.now();
  await seedIncidents(bulwark.adminUrl);
  console.log(
    `seeded ${historicalIncidents} resolved + ${openIncidents} open incidents in ${fmt((performance.now() - seedStart) / 1000, 1)} s`,
  );
  await waitForIndicator(statusUrl, 'critical', 30_000);
  const summary = (await (await fetch(`${statusUrl}/api/v2/summary.json`)).json()) as {
    components: { status: string; group: boolean }[];
    incidents: unknown[];
  };
  const down = summary.components.filter((c) => !c.group && c.status === 'major_outage').length;
  console.log(
    `indicator critical; ${down} of ${componentCount} components in major_outage; ${summary.incidents.length} open incidents`,
  );

  const pageRaw = await bodyBytes(`${statusUrl}/`, false);
  const pageGzip = await bodyBytes(`${statusUrl}/`, true);
  const summaryRaw = await bodyBytes(`${statusUrl}/api/v2/summary.json`, false);
  const summaryGzip = await bodyBytes(`${statusUrl}/api/v2/summary.json`, true);
  if (pageGzip.encoding !== 'gzip') console.warn(`/ answered ${pageGzip.encoding} to accept-encoding: gzip`);

  const paths = ['/', '/api/v2/summary.json'];
  const results = new Map<string, Run[]>();
  for (const path of paths) {
    const url = `${statusUrl}${path}`;
    console.log(`\n${path}: warm-up ${warmupS} s`);
    await runWrk(children, url, warmupS);
    const list: Run[] = [];
    for (let r = 1; r <= runs; r++) {
      const cpuBefore = groupCpuMs(bulwark.pid);
      const startMs = performance.now();
      const result = await runWrk(children, url, durationS);
      const wallMs = performance.now() - startMs;
      const cpuAfter = groupCpuMs(bulwark.pid);
      const cpuShare =
        cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / wallMs;
      list.push({ ...result, cpuShare });
      console.log(
        `  run ${r}: ${fmt(result.requestsPerS)} req/s, p50 ${fmt(result.p50Ms, 2)} ms, p99 ${fmt(result.p99Ms, 2)} ms, ` +
          `CPU ${fmt((cpuShare ?? Number.NaN) * 100, 0)}% of a core, non-2xx ${result.badResponses}, socket errors ${result.socketErrors}`,
      );
    }
    results.set(path, list);
  }

  console.log(
    `\n${componentCount} components, ${historicalIncidents} resolved + ${openIncidents} open incidents, all ${componentCount} pools down`,
  );
  console.log(
    `${connections} connections, accept-encoding: gzip, ${runs} × ${durationS} s after ${warmupS} s warm-up; Bulwark on core 0, wrk on core 1\n`,
  );
  console.log(
    '| path | req/s (median) | runs | p50 (median) | p99 (median) | p99 runs | Bulwark CPU | errors |',
  );
  console.log('|---|--:|---|--:|--:|---|--:|--:|');
  const verdicts: string[] = [];
  for (const path of paths) {
    const list = results.get(path) ?? [];
    const rps = median(list.map((r) => r.requestsPerS));
    const p99 = median(list.map((r) => r.p99Ms));
    const cpu = median(list.map((r) => r.cpuShare ?? Number.NaN));
    const errors = list.reduce((sum, r) => sum + r.badResponses + r.socketErrors, 0);
    console.log(
      `| \`${path}\` | ${fmt(rps)} | ${list.map((r) => fmt(r.requestsPerS)).join(' / ')} | ${fmt(median(list.map((r) => r.p50Ms)), 2)} ms | ` +
        `${fmt(p99, 2)} ms | ${list.map((r) => fmt(r.p99Ms, 2)).join(' / ')} | ${fmt(cpu * 100)}% | ${errors} |`,
    );
    verdicts.push(
      `| \`${path}\` ≥ ${fmt(targets.requestsPerS)} req/s | ${fmt(rps)} | ${rps >= targets.requestsPerS ? 'met' : 'missed'} |`,
      `| \`${path}\` p99 < ${targets.p99Ms} ms | ${fmt(p99, 2)} ms | ${p99 < targets.p99Ms ? 'met' : 'missed'} |`,
    );
  }
  console.log('\n| response | raw | gzip |');
  console.log('|---|--:|--:|');
  console.log(
    `| \`/\` (HTML, CSS inlined) | ${fmt(pageRaw.bytes / 1024, 1)} KiB | ${fmt(pageGzip.bytes / 1024, 1)} KiB |`,
  );
  console.log(
    `| \`/api/v2/summary.json\` | ${fmt(summaryRaw.bytes / 1024, 1)} KiB | ${fmt(summaryGzip.bytes / 1024, 1)} KiB |`,
  );
  verdicts.push(
    `| page weight (HTML+CSS) < ${targets.pageKiB} KB | ${fmt(pageRaw.bytes / 1000, 1)} kB raw, ${fmt(pageGzip.bytes / 1000, 1)} kB gzip | ${pageRaw.bytes < targets.pageKiB * 1000 ? 'met' : pageGzip.bytes < targets.pageKiB * 1000 ? 'met gzipped only' : 'missed'} |`,
  );
  console.log('\n| target | measured | |');
  console.log('|---|---|---|');
  for (const line of verdicts) console.log(line);
} finally {
  await children.killAll();
  if (!values['keep-dir']) rmSync(dir, { recursive: true, force: true });
}
