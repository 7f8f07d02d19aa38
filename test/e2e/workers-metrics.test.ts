import type { ChildProcess } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBulwarkProcess, startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

const adminToken = 'workers-metrics-token-0123456789';

/** Every sample of the exposition, with the TYPE of its family. */
async function scrape(
  adminUrl: string,
): Promise<{ samples: Map<string, number>; types: Map<string, string> }> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { samples, types };
}

interface ListedPool {
  readonly name: string;
  readonly healthyShare: number;
  readonly endpoints: readonly { readonly id: string }[];
}

async function listPools(adminUrl: string): Promise<ListedPool[]> {
  return ((await (await fetch(`${adminUrl}/api/v1/pools`)).json()) as { pools: ListedPool[] }).pools;
}

/** Counter and histogram series that went down from `before` to `after` (or vanished). */
function decreased(
  before: Awaited<ReturnType<typeof scrape>>,
  after: Awaited<ReturnType<typeof scrape>>,
): string[] {
  const family = (series: string): string => series.split('{')[0]!;
  const isMonotonic = (series: string): boolean =>
    ['counter', 'histogram'].includes(
      before.types.get(family(series)) ??
        before.types.get(family(series).replace(/_(bucket|count|sum)$/, '')) ??
        '',
    );
  return [...before.samples]
    .filter(([series, value]) => isMonotonic(series) && !((after.samples.get(series) ?? -1) >= value))
    .map(([series, value]) => `${series} ${value} -> ${after.samples.get(series)}`);
}

function workerPids(bulwark: BulwarkProcess): Map<number, number> {
  const pids = new Map<number, number>();
  for (const [, slot, pid] of bulwark.stderr().matchAll(/worker (\d+) pid (\d+) ready/g))
    pids.set(Number(slot), Number(pid));
  return pids;
}

/** `count` requests, one per connection, so both workers serve some. */
async function sendFresh(url: string, path: string, count: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const res = await request(`${url}${path}`, { headers: { connection: 'close' } });
      await res.body.dump();
      return res.statusCode;
    }),
  );
}

describe('gateway.workers: 2, cluster metrics', () => {
  const held: ServerResponse[] = [];
  let upstream: TestUpstream;
  let bulwark: BulwarkProcess;

  beforeAll(async () => {
    // /hold waits until the test lets it go; anything else answers at once.
    upstream = await startTestUpstream((req, res) => {
      if (req.url === '/hold') held.push(res);
      else res.writeHead(200).end('ok');
    });
    const { file } = await writeTempConfig('bulwark-workers-metrics-', () =>
      [
        'gateway: { workers: 2 }',
        `admin: { tokens: ["${adminToken}"] }`,
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        'logging: { level: silent }',
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes: [{ pool: api }]',
      ].join('\n'),
    );
    bulwark = await startBulwarkProcess(file);
  }, 20_000);

  afterAll(async () => {
    if (bulwark && bulwark.child.exitCode === null) bulwark.child.kill('SIGKILL');
    for (const res of held.splice(0)) res.destroy();
    await upstream?.close();
  });

  it('never lowers a counter while a worker does not answer the scrape (SIGSTOP)', async () => {
    expect((await sendFresh(bulwark.gatewayUrl, '/', 40)).filter((s) => s !== 200)).toEqual([]);
    const before = await scrape(bulwark.adminUrl);
    expect(before.samples.get('bulwark_gateway_worker_requests_total{worker="0"}')).toBeGreaterThan(0);
    const stalled = workerPids(bulwark).get(0)!;
    process.kill(stalled, 'SIGSTOP');
    let during: Awaited<ReturnType<typeof scrape>>;
    try {
      during = await scrape(bulwark.adminUrl);
    } finally {
      process.kill(stalled, 'SIGCONT');
    }
    const after = await scrape(bulwark.adminUrl);
    expect(decreased(before, during)).toEqual([]);
    expect(decreased(during, after)).toEqual([]);
  }, 20_000);

  it('reports a drained endpoint’s in-flight requests, summed over the workers, until they finish', async () => {
    const endpoint = new URL(upstream.url).host;
    const series = `bulwark_gateway_endpoint_in_flight{pool="api",endpoint="${endpoint}"}`;
    const inFlight = async (): Promise<number | undefined> =>
      (await scrape(bulwark.adminUrl)).samples.get(series);
    const listedInFlight = async (): Promise<number | undefined> => {
      const listed = (await (
        await fetch(`${bulwark.adminUrl}/api/v1/pools`, {
          headers: { authorization: `Bearer ${adminToken}` },
        })
      ).json()) as { pools: { name: string; endpoints: { id: string; inFlight: number }[] }[] };
      return listed.pools.find((p) => p.name === 'api')?.endpoints.find((e) => e.id === endpoint)?.inFlight;
    };
    const answers = sendFresh(bulwark.gatewayUrl, '/hold', 4);
    await eventually(() => held.length === 4, 5_000, 'four requests held upstream');
    const drained = await fetch(`${bulwark.adminUrl}/api/v1/pools/api/endpoints/${endpoint}/drain`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(drained.status).toBe(200);
    // The verb's answer and GET /api/v1/pools say what the workers hold, as the gauge does.
    expect(((await drained.json()) as { endpoint: { inFlight: number } }).endpoint.inFlight).toBe(4);
    expect(await inFlight()).toBe(4);
    expect(await listedInFlight()).toBe(4);
    for (const res of held.splice(0)) res.writeHead(200).end('done');
    expect(await answers).toEqual([200, 200, 200, 200]);
    await eventually(async () => (await inFlight()) === 0, 5_000, 'in-flight to reach 0');
    expect(await listedInFlight()).toBe(0);
  }, 20_000);
});

describe('gateway.workers: 2, an endpoint a worker ejected', () => {
  let good: TestUpstream;
  let failing: TestUpstream;
  let bulwark: BulwarkProcess;

  beforeAll(async () => {
    good = await startTestUpstream((_req, res) => void res.writeHead(200).end('ok'));
    failing = await startTestUpstream((_req, res) => void res.writeHead(500).end('broken'));
    const { file } = await writeTempConfig('bulwark-workers-ejected-', () =>
      [
        'gateway: { workers: 2 }',
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        'logging: { level: silent }',
        'pools:',
        '  api:',
        `    endpoints: [{ url: "${good.url}" }, { url: "${failing.url}" }]`,
        '    outlier_detection: { consecutive_failures: 1, base_ejection: 5m }',
        'routes: [{ pool: api }]',
      ].join('\n'),
    );
    bulwark = await startBulwarkProcess(file);
  }, 20_000);

  afterAll(async () => {
    if (bulwark && bulwark.child.exitCode === null) bulwark.child.kill('SIGKILL');
    await Promise.all([good?.close(), failing?.close()]);
  });

  it('reads 1 in the primary’s bulwark_gateway_endpoint_ejected', async () => {
    const series = `{pool="api",endpoint="${new URL(failing.url).host}"}`;
    await eventually(
      async () => {
        await sendFresh(bulwark.gatewayUrl, '/', 4);
        return (
          ((await scrape(bulwark.adminUrl)).samples.get(`bulwark_gateway_ejections_total${series}`) ?? 0) > 0
        );
      },
      10_000,
      'a worker to eject the failing endpoint',
    );
    const { samples } = await scrape(bulwark.adminUrl);
    expect(samples.get(`bulwark_gateway_endpoint_ejected${series}`)).toBe(1);
    expect(
      samples.get(`bulwark_gateway_endpoint_ejected{pool="api",endpoint="${new URL(good.url).host}"}`),
    ).toBe(0);
  }, 20_000);

  it('shows an endpoint every worker ejected in GET /api/v1/pools: ejected in 2 of 2 workers, not serving', async () => {
    const failingId = new URL(failing.url).host;
    const ejections = `bulwark_gateway_ejections_total{pool="api",endpoint="${failingId}"}`;
    // Each worker ejects it once from its own traffic; 5 m keeps both ejections in force.
    await eventually(
      async () => {
        await sendFresh(bulwark.gatewayUrl, '/', 4);
        return (await scrape(bulwark.adminUrl)).samples.get(ejections) === 2;
      },
      10_000,
      'both workers to eject the failing endpoint',
    );
    const api = (await listPools(bulwark.adminUrl)).find((pool) => pool.name === 'api');
    expect(api?.endpoints.find((endpoint) => endpoint.id === failingId)).toMatchObject({
      isEjected: true,
      isServing: false,
      ejections: 2,
      workers: { count: 2, ejected: 2, coolingDown: 0 },
    });
    const other = api?.endpoints.find((endpoint) => endpoint.id === new URL(good.url).host);
    expect(other).toMatchObject({ isEjected: false, isServing: true, workers: { ejected: 0 } });
    // As /metrics' bulwark_gateway_pool_healthy_share: the workers' view, one of two endpoints out.
    expect(api?.healthyShare).toBe(0.5);
  }, 20_000);
});

describe('gateway.workers: 2, bulwark_gateway_pool_mode_changes_total', () => {
  let primary: TestUpstream;
  let backup: TestUpstream;
  let backupHits = 0;
  let bulwark: BulwarkProcess;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    primary = await startTestUpstream((_req, res) => void res.writeHead(200).end('primary'));
    backup = await startTestUpstream((_req, res) => {
      backupHits += 1;
      res.writeHead(200).end('backup');
    });
    const { file } = await writeTempConfig('bulwark-workers-mode-changes-', () =>
      [
        'gateway: { workers: 2 }',
        `admin: { tokens: ["${adminToken}"] }`,
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        'logging: { level: silent }',
        'pools:',
        `  api: { endpoints: [{ url: "${primary.url}" }], failover: backup }`,
        `  backup: { endpoints: [{ url: "${backup.url}" }] }`,
        'routes: [{ pool: api }]',
      ].join('\n'),
    );
    // Held before it has started, so afterAll kills it even when a slow start times the hook out.
    const spawned = spawnBulwarkProcess(file);
    child = spawned.child;
    bulwark = await spawned.started;
  }, 30_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await Promise.all([primary?.close(), backup?.close()]);
  });

  it('counts one failover once, not once in the primary and once per worker', async () => {
    const endpoint = new URL(primary.url).host;
    const drained = await fetch(`${bulwark.adminUrl}/api/v1/pools/api/endpoints/${endpoint}/drain`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(drained.status).toBe(200);
    // Round-robin hands the fresh connections to both workers: all answered by backup, both failed over.
    await eventually(
      async () => {
        const before = backupHits;
        await sendFresh(bulwark.gatewayUrl, '/', 8);
        return backupHits - before === 8;
      },
      5_000,
      'every worker to fail over to backup',
    );
    const series = 'bulwark_gateway_pool_mode_changes_total{pool="api",mode="failover"}';
    expect((await scrape(bulwark.adminUrl)).samples.get(series)).toBe(1);
  }, 20_000);
});
