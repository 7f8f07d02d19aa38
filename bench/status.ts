import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBenchBulwark } from './lib/bulwark-start.ts';
import { ChildSet, findCommand, freePort, isPinningAvailable, pinned } from './lib/children.ts';
import { groupCpuMs } from './lib/cpu.ts';
import { parseWrk, type LoadResult } from './lib/load.ts';

/**
 * The status page under load, as the issue asks: 50 components and 200 historical incidents while every
 * gateway pool is down. Bulwark is pinned to core 0, wrk to core 1; `/` and `/api/v2/summary.json` are driven
 * separately with 64 keep-alive connections and `accept-encoding: gzip`, after a warm-up that is not counted.
 *
 *   npm run bench:status [-- --runs 3 --duration-s 10 --warmup-s 10 --connections 64]
 */

const { values } = parseArgs({
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

const componentCount = 50;
const historicalIncidents = 200;
const openIncidents = 3;
const adminToken = 'bench-status-token-0123456789abcdef';
const targets = { requestsPerS: 10_000, p99Ms: 20, pageKiB: 60 };

const wrk = findCommand('wrk');
if (!wrk) throw new Error('bench:status needs wrk on PATH (apt-get install wrk)');

/** 10 groups of 4 plus 10 standalone components; component i is fed by pool i, whose endpoint refuses. */
function configYaml(p: { gatewayPort: number; adminPort: number; statusPort: number; dir: string }): string {
  const pools = Array.from({ length: componentCount }, (_, i) => `pool${i + 1}`);
  const leaf = (i: number, indent: string) =>
    `${indent}- { name: Service ${i + 1}, id: svc-${i + 1}, description: Service number ${i + 1}, from: { pools: [${pools[i]}] } }`;
  const components: string[] = [];
  for (let g = 0; g < 10; g++) {
    components.push(`    - group: Group ${g + 1}`, `      id: group-${g + 1}`, '      components:');
    for (let j = 0; j < 4; j++) components.push(leaf(g * 4 + j, '        '));
  }
  for (let i = 40; i < componentCount; i++) components.push(leaf(i, '    '));
  return [
    'logging: { level: warn }',
    `listen: { gateway: 127.0.0.1:${p.gatewayPort}, admin: 127.0.0.1:${p.adminPort}, status: 127.0.0.1:${p.statusPort} }`,
    `admin: { tokens: ["${adminToken}"] }`,
    `data_dir: ${JSON.stringify(join(p.dir, 'data'))}`,
    'pools:',
    ...pools.map(
      (name) =>
        `  ${name}: { endpoints: [{ url: "http://127.0.0.1:9" }], health_check: { interval: 1s, timeout: 500ms, unhealthy_threshold: 1 } }`,
    ),
    'routes: [{ pool: pool1 }]',
    'status_page:',
    '  title: Bench Status',
    '  url: https://status.bench.example',
    '  time_zone: Europe/Berlin',
    '  components:',
    ...components,
    '',
  ].join('\n');
}

async function admin(adminUrl: string, method: string, path: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(`${adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as { id: string };
}

const markdown = (n: number) =>
  [
    `We are investigating **elevated error rates** on Service ${(n % componentCount) + 1}.`,
    '',
    '- requests to the API fail with 502',
    '- the dashboard loads slowly',
    '',
    `See [the runbook](https://runbooks.example/incident-${n}) for details.`,
  ].join('\n');

async function seedIncidents(adminUrl: string): Promise<void> {
  for (let n = 0; n < historicalIncidents + openIncidents; n++) {
    const component = `svc-${(n % componentCount) + 1}`;
    const created = await admin(adminUrl, 'POST', '/api/v1/incidents', {
      incident: {
        name: `Outage ${n + 1} of Service ${(n % componentCount) + 1}`,
        body: markdown(n),
        components: { [component]: 'major_outage' },
      },
    });
    if (n < historicalIncidents)
      await admin(adminUrl, 'PATCH', `/api/v1/incidents/${created.id}`, {
        incident: { status: 'resolved', body: 'The fix is deployed and **error rates** are back to normal.' },
      });
  }
}

async function waitForIndicator(statusUrl: string, indicator: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const res = await fetch(`${statusUrl}/api/v2/status.json`);
    last = ((await res.json()) as { status: { indicator: string } }).status.indicator;
    if (last === indicator) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`status indicator still "${last}" after ${timeoutMs} ms, expected "${indicator}"`);
}

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
    configYaml: (ports) => configYaml({ ...ports, statusPort, dir }),
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
