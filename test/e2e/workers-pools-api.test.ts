import type { ChildProcess } from 'node:child_process';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

const adminToken = 'workers-pools-api-token-0123456789';

interface ListedEndpoint {
  readonly id: string;
  readonly isEjected: boolean;
  readonly isServing: boolean;
  readonly ejections: number;
  readonly workers?: { readonly count: number; readonly ejected: number; readonly coolingDown: number };
}

interface ListedPool {
  readonly name: string;
  readonly mode: string;
  readonly healthyShare: number;
  readonly endpoints: readonly ListedEndpoint[];
}

async function listPools(adminUrl: string): Promise<ListedPool[]> {
  const response = await fetch(`${adminUrl}/api/v1/pools`);
  return ((await response.json()) as { pools: ListedPool[] }).pools;
}

/** One sample of the cluster's /metrics, or undefined when the series is absent. */
async function sample(adminUrl: string, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** `count` requests, one per connection, so both workers serve some; their bodies. */
async function bodiesOfFresh(url: string, count: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const res = await request(url, { headers: { connection: 'close' } });
      return res.body.text();
    }),
  );
}

describe('gateway.workers: 2, GET /api/v1/pools', () => {
  let good: TestUpstream;
  let failing: TestUpstream;
  let bulwark: BulwarkProcess;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    good = await startTestUpstream((_req, res) => void res.writeHead(200).end('ok'));
    failing = await startTestUpstream((_req, res) => void res.writeHead(500).end('broken'));
    const { file } = await writeTempConfig('bulwark-workers-pools-api-', () =>
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
    // Held before it has started, so afterAll kills it even when a slow start times the hook out.
    const spawn = spawnBulwarkProcess(file);
    child = spawn.child;
    bulwark = await spawn.started;
  }, 30_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await Promise.all([good?.close(), failing?.close()]);
  });

  it('shows an endpoint every worker ejected as ejected, in 2 of 2 workers, and not serving', async () => {
    const failingId = new URL(failing.url).host;
    const ejectionsSeries = `bulwark_gateway_ejections_total{pool="api",endpoint="${failingId}"}`;
    // Each worker ejects it once from its own traffic; 5 m keeps both ejections in force.
    await eventually(
      async () => {
        await bodiesOfFresh(bulwark.gatewayUrl, 4);
        return (await sample(bulwark.adminUrl, ejectionsSeries)) === 2;
      },
      10_000,
      'both workers to eject the failing endpoint',
    );
    const api = (await listPools(bulwark.adminUrl)).find((pool) => pool.name === 'api');
    const listed = api?.endpoints.find((endpoint) => endpoint.id === failingId);
    expect(listed).toMatchObject({
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
  let bulwark: BulwarkProcess;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    primary = await startTestUpstream((_req, res) => void res.writeHead(200).end('primary'));
    backup = await startTestUpstream((_req, res) => void res.writeHead(200).end('backup'));
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
    const spawn = spawnBulwarkProcess(file);
    child = spawn.child;
    bulwark = await spawn.started;
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
      async () => (await bodiesOfFresh(bulwark.gatewayUrl, 8)).every((body) => body === 'backup'),
      5_000,
      'every worker to fail over to backup',
    );
    expect(
      await sample(bulwark.adminUrl, 'bulwark_gateway_pool_mode_changes_total{pool="api",mode="failover"}'),
    ).toBe(1);
  }, 20_000);
});
