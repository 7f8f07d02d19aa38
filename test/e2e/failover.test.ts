import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

let gateway: TestGateway | undefined;
const upstreams: TestUpstream[] = [];

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

/** An upstream that names itself and whose health check can be switched off. */
async function namedUpstream(name: string): Promise<{ url: string; setHealthy(isHealthy: boolean): void }> {
  let isHealthy = true;
  const upstream = await startTestUpstream((req, res) => {
    if (req.url === '/healthz') res.writeHead(isHealthy ? 200 : 503);
    else res.writeHead(200, { 'x-upstream': name });
    res.end();
  });
  upstreams.push(upstream);
  return { url: upstream.url, setHealthy: (value) => (isHealthy = value) };
}

async function servedBy(url: string): Promise<string> {
  const res = await request(url);
  await res.body.dump();
  return String(res.headers['x-upstream'] ?? res.statusCode);
}

describe('priority failover', () => {
  it('moves traffic to the failover pool when the primary is down, and back when it recovers', async () => {
    const a1 = await namedUpstream('a1');
    const a2 = await namedUpstream('a2');
    const backup = await namedUpstream('backup');
    const healthCheck = { interval: '50ms', timeout: '500ms', unhealthy_threshold: 1, healthy_threshold: 1 };
    gateway = await startTestGateway({
      pools: {
        api: {
          endpoints: [{ url: a1.url }, { url: a2.url }],
          health_check: healthCheck,
          failover: 'api-backup',
        },
        'api-backup': { endpoints: [{ url: backup.url }], health_check: healthCheck },
      },
      routes: [{ pool: 'api' }],
    });
    expect(['a1', 'a2']).toContain(await servedBy(gateway.url));

    a1.setHealthy(false);
    a2.setHealthy(false);
    await eventually(async () => (await servedBy(gateway!.url)) === 'backup', 5_000, 'traffic on api-backup');
    for (let i = 0; i < 20; i++) expect(await servedBy(gateway.url)).toBe('backup');
    const mode = gateway.gateway.status().find((pool) => pool.name === 'api')?.mode;
    expect(mode).toBe('failover');

    a1.setHealthy(true);
    a2.setHealthy(true);
    await eventually(async () => (await servedBy(gateway!.url)) !== 'backup', 5_000, 'traffic back on api');
    for (let i = 0; i < 20; i++) expect(['a1', 'a2']).toContain(await servedBy(gateway.url));
  });

  it('panics over every endpoint when too few are healthy and there is no failover pool', async () => {
    const a1 = await namedUpstream('a1');
    const a2 = await namedUpstream('a2');
    const a3 = await namedUpstream('a3');
    gateway = await startTestGateway({
      pools: {
        api: {
          balancer: 'round-robin',
          endpoints: [{ url: a1.url }, { url: a2.url }, { url: a3.url }],
          health_check: { interval: '50ms', unhealthy_threshold: 1, healthy_threshold: 1 },
          panic_threshold: '50%',
        },
      },
      routes: [{ pool: 'api' }],
    });
    a1.setHealthy(false);
    a2.setHealthy(false);
    await eventually(() => gateway!.gateway.status()[0]?.mode === 'panic', 5_000, 'panic mode');
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add(await servedBy(gateway.url));
    expect([...seen].sort()).toEqual(['a1', 'a2', 'a3']);
  });

  it.each([1, 2])(
    'fails over on passive detection alone when all %i endpoints of the pool are dead (no health checks)',
    async (deadCount) => {
      const backup = await namedUpstream('backup');
      const dead: string[] = [];
      for (let i = 0; i < deadCount; i++) {
        const probe = await startTestUpstream(() => undefined);
        await probe.close();
        dead.push(probe.url);
      }
      gateway = await startTestGateway({
        pools: {
          api: { endpoints: dead.map((url) => ({ url })), failover: 'api-backup' },
          'api-backup': { endpoints: [{ url: backup.url }] },
        },
        routes: [{ pool: 'api' }],
      });
      // Every request succeeds: its retry spills over to the backup, and outlier detection soon ejects
      // the dead endpoints so the pool fails over as a whole.
      for (let i = 0; i < 50; i++) expect(await servedBy(gateway.url)).toBe('backup');
      await eventually(
        () => gateway!.gateway.status().find((p) => p.name === 'api')?.mode === 'failover',
        5_000,
        'failover mode',
      );
    },
  );
});
