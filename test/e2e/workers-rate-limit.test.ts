import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

const ratePerSecond = 200;
const burst = 20;

describe('gateway.workers: 2 — rate limits and monitoring', () => {
  let upstream: TestUpstream;
  let bulwark: BulwarkProcess;

  beforeAll(async () => {
    upstream = await startTestUpstream((_req, res) => res.end('ok'));
    const dir = await mkdtemp(join(tmpdir(), 'bulwark-workers-rate-'));
    const file = join(dir, 'bulwark.yaml');
    await writeFile(
      file,
      [
        'gateway: { workers: 2, drain_timeout: 2s }',
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        'logging: { level: silent }',
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }], concurrency: 64 } }`,
        `routes: [{ pool: api, rate_limits: [{ key: route, rate: ${ratePerSecond}/s, burst: ${burst} }] }]`,
        `data_dir: ${join(dir, 'data')}`,
        `monitors: [{ name: Upstream, type: http, url: "${upstream.url}/", interval: 200ms, timeout: 150ms }]`,
      ].join('\n'),
    );
    bulwark = await startBulwarkProcess(file);
    await waitForWorkers(bulwark, 2);
  });

  afterAll(async () => {
    bulwark.child.kill('SIGTERM');
    await bulwark.exited();
    await upstream.close();
  });

  it('admits the configured rate across both workers (within 10%), not twice it', async () => {
    // Many keep-alive connections: the primary hands them to both workers, and each keeps asking.
    const clients = Array.from({ length: 16 }, () => new Client(bulwark.gatewayUrl, { pipelining: 1 }));
    const durationMs = 3_000;
    let admitted = 0;
    let refused = 0;
    const statuses = new Set<number>();
    const startedMs = performance.now();
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() - startedMs < durationMs) {
          const res = await client.request({ path: '/', method: 'GET' });
          await res.body.dump();
          statuses.add(res.statusCode);
          if (res.statusCode === 200) admitted++;
          else if (res.statusCode === 429) refused++;
        }
      }),
    );
    const elapsedS = (performance.now() - startedMs) / 1_000;
    await Promise.all(clients.map((client) => client.close()));
    const expected = burst + ratePerSecond * elapsedS;
    expect([...statuses].sort()).toEqual([200, 429]);
    // Offered far more than the limit, or the test would show nothing.
    expect(refused).toBeGreaterThan(admitted);
    expect(Math.abs(admitted - expected) / expected).toBeLessThan(0.1);
    const metrics = await metricsText(bulwark.adminUrl);
    const perWorker = samples(metrics, 'bulwark_gateway_worker_requests_total{');
    expect(perWorker.length).toBe(2);
    expect(perWorker.every((n) => n > 0)).toBe(true);
    // Refusals are counted by code across workers; each worker enforces half of the pool's limit of 64.
    expect(samples(metrics, 'bulwark_gateway_errors_total{code="GW_RATE_LIMITED",')).toEqual([refused]);
    expect(samples(metrics, 'bulwark_gateway_pool_concurrency_limit{pool="api"}')).toEqual([64]);
  });

  it('runs the monitors in the primary, once, not in every worker', async () => {
    const monitors = async (): Promise<{ id: string; state: string }[]> =>
      (
        (await (await fetch(`${bulwark.adminUrl}/api/v1/monitors`)).json()) as {
          monitors: { id: string; state: string }[];
        }
      ).monitors;
    await eventually(async () => (await monitors())[0]?.state === 'up', 5_000, 'the monitor up');
    expect(await monitors()).toEqual([expect.objectContaining({ id: 'upstream', state: 'up' })]);
    const metrics = await metricsText(bulwark.adminUrl);
    expect(samples(metrics, 'bulwark_monitor_up{monitor="upstream"}')).toEqual([1]);
  });
});

async function waitForWorkers(bulwark: BulwarkProcess, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((bulwark.stderr().match(/worker \d+ pid \d+ ready/g) ?? []).length < count) {
    if (Date.now() > deadline) throw new Error(`workers not ready: ${bulwark.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function metricsText(adminUrl: string): Promise<string> {
  return (await fetch(`${adminUrl}/metrics`)).text();
}

function samples(text: string, prefix: string): number[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => Number(line.split(' ').at(-1)));
}
