import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';
import { startFromFile, writeTempConfig } from '../support/config-file.ts';

let bulwark: RunningBulwark | undefined;
const upstreams: TestUpstream[] = [];

afterEach(async () => {
  await bulwark?.stop();
  bulwark = undefined;
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

interface Named {
  readonly url: string;
  served: number;
  isHealthy: boolean;
}

async function namedUpstream(name: string): Promise<Named> {
  const state: Named = { url: '', served: 0, isHealthy: true };
  const upstream = await startTestUpstream((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(state.isHealthy ? 200 : 503).end();
      return;
    }
    state.served += 1;
    res.writeHead(200, { 'x-upstream': name }).end(name);
  });
  upstreams.push(upstream);
  return Object.assign(state, { url: upstream.url });
}

function configText(endpoints: readonly Named[], gatewayPort = 0): string {
  return [
    `listen: { gateway: 127.0.0.1:${gatewayPort}, admin: 127.0.0.1:0 }`,
    'logging: { level: silent }',
    'pools:',
    '  api:',
    '    health_check: { interval: 100ms, unhealthy_threshold: 1, healthy_threshold: 1 }',
    `    endpoints: [${endpoints.map((e) => `{ url: "${e.url}" }`).join(', ')}]`,
    'routes: [{ pool: api }]',
  ].join('\n');
}

/** Tests that call reload() themselves turn the watcher off, or it would reload a second time. */
const startFrom = (file: string, watch = false): Promise<RunningBulwark> =>
  startFromFile(file, { configPath: file, watch });

async function tempConfig(text: string): Promise<string> {
  return (await writeTempConfig('bulwark-reload-', () => text)).file;
}

describe('hot reload', () => {
  it('adds a status page on a later reload when the first one found its address in use', async () => {
    const a = await namedUpstream('a');
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as { port: number };
    const { dir, file } = await writeTempConfig('bulwark-reload-status-', () => configText([a]));
    bulwark = await startFrom(file);
    const withPage = (statusPort: number) =>
      [
        configText([a]).replace(
          'admin: 127.0.0.1:0 }',
          `admin: 127.0.0.1:0, status: 127.0.0.1:${statusPort} }`,
        ),
        `data_dir: ${join(dir, 'data')}`,
        'status_page: { title: Acme, components: [{ name: API, from: { pools: [api] } }] }',
      ].join('\n');
    try {
      await writeFile(file, withPage(port));
      const refused = await bulwark.reload();
      expect(refused.ok).toBe(false);
      expect(refused).toEqual({ ok: false, error: `listen.status: 127.0.0.1:${port} is in use` });
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    await writeFile(file, withPage(0));
    expect(await bulwark.reload()).toMatchObject({ ok: true });
    const summary = await fetch(`${bulwark.statusUrl}/api/v2/summary.json`);
    expect(summary.status).toBe(200);
    expect(((await summary.json()) as { page: { name: string } }).page.name).toBe('Acme');
  });

  it('adds one endpoint and removes another under steady load without failing a request', async () => {
    const [a, b, c] = [await namedUpstream('a'), await namedUpstream('b'), await namedUpstream('c')];
    const file = await tempConfig(configText([a, b]));
    bulwark = await startFrom(file);
    const client = new Agent({ connections: 8 });
    const failures: string[] = [];
    let isLoading = true;
    const worker = async (): Promise<void> => {
      while (isLoading) {
        try {
          const res = await request(bulwark!.gatewayUrl, { dispatcher: client });
          const body = await res.body.text();
          if (res.statusCode !== 200) failures.push(`${res.statusCode} ${body}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, worker));
    await eventually(() => a.served > 100 && b.served > 100, 5_000, 'traffic on a and b');

    await writeFile(file, configText([a, c]));
    expect(await bulwark.reload()).toMatchObject({ ok: true, generation: 2 });
    const bServedAtSwap = b.served;
    await eventually(() => c.served > 100, 5_000, 'traffic on c');
    isLoading = false;
    await load;
    await client.close();

    expect(failures).toEqual([]);
    // b may finish what it had in flight at the swap, and nothing after.
    expect(b.served - bServedAtSwap).toBeLessThanOrEqual(8);
    expect(bulwark.configStatus()).toMatchObject({ generation: 2, lastReload: { ok: true } });
  });

  it('keeps running the old config when the new file is invalid, and says why', async () => {
    const a = await namedUpstream('a');
    const file = await tempConfig(configText([a]));
    bulwark = await startFrom(file);
    await writeFile(file, configText([a]).replace('pool: api', 'pool: nope'));
    const outcome = await bulwark.reload();
    expect(outcome.ok).toBe(false);
    expect(bulwark.configStatus()).toMatchObject({ generation: 1, lastReload: { ok: false } });
    expect(bulwark.configStatus().lastReload?.error).toMatch(/bulwark\.yaml:\d+:\d+ routes\[0\]\.pool/);
    const res = await request(bulwark.gatewayUrl);
    expect(await res.body.text()).toBe('a');
    const metrics = await (await request(`${bulwark.adminUrl}/metrics`)).body.text();
    expect(metrics).toMatch(/^bulwark_config_reload_failures_total 1$/m);
  });

  it('reloads when the file changes on disk', async () => {
    const [a, b] = [await namedUpstream('a'), await namedUpstream('b')];
    const file = await tempConfig(configText([a]));
    bulwark = await startFrom(file, true);
    await writeFile(file, configText([b]));
    await eventually(() => bulwark!.configStatus().generation === 2, 5_000, 'the watcher to reload');
    const res = await request(bulwark.gatewayUrl);
    expect(await res.body.text()).toBe('b');
  });

  it('carries health verdicts over: an endpoint down before the reload is still down right after it', async () => {
    const [a, b] = [await namedUpstream('a'), await namedUpstream('b')];
    const file = await tempConfig(configText([a, b]));
    bulwark = await startFrom(file);
    b.isHealthy = false;
    await eventually(
      async () => {
        const res = await request(`${bulwark!.adminUrl}/metrics`);
        return /bulwark_gateway_endpoint_healthy\{[^}]*endpoint="127\.0\.0\.1:\d+"[^}]*\} 0/.test(
          await res.body.text(),
        );
      },
      5_000,
      'b to be marked unhealthy',
    );
    await writeFile(file, configText([a, b]) + '\n# touched\n');
    expect((await bulwark.reload()).ok).toBe(true);
    const servedBefore = b.served;
    for (let i = 0; i < 20; i++) expect(await (await request(bulwark.gatewayUrl)).body.text()).toBe('a');
    expect(b.served).toBe(servedBefore);
  });

  it('opens a changed listen address before it closes the old one', async () => {
    const a = await namedUpstream('a');
    const file = await tempConfig(configText([a]));
    bulwark = await startFrom(file);
    const oldUrl = bulwark.gatewayUrl;
    // A port picked by binding and releasing it: free now, and not the old one.
    const probe = await startTestUpstream(() => undefined);
    const newPort = Number(new URL(probe.url).port);
    await probe.close();
    await writeFile(file, configText([a], newPort));
    expect((await bulwark.reload()).ok).toBe(true);
    expect(await (await request(`http://127.0.0.1:${newPort}/`)).body.text()).toBe('a');
    await expect(request(oldUrl, { dispatcher: new Agent() })).rejects.toThrow();
  });

  it('keeps a runtime drain through a reload, and says so in the API and the config status', async () => {
    const [a, b] = [await namedUpstream('a'), await namedUpstream('b')];
    const token = 'test-token-0123456789abcdef';
    const withToken = (endpoints: readonly Named[]): string =>
      `${configText(endpoints)}\nadmin: { tokens: ["${token}"] }`;
    const file = await tempConfig(withToken([a, b]));
    bulwark = await startFrom(file);
    const bId = new URL(b.url).host;
    const drained = await request(`${bulwark.adminUrl}/api/v1/pools/api/endpoints/${bId}/drain`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(drained.statusCode).toBe(200);
    await drained.body.dump();
    await writeFile(file, withToken([a, b]) + '\n# touched\n');
    expect((await bulwark.reload()).ok).toBe(true);
    const servedBefore = b.served;
    for (let i = 0; i < 20; i++) expect(await (await request(bulwark.gatewayUrl)).body.text()).toBe('a');
    expect(b.served).toBe(servedBefore);
    const pools = (await (await request(`${bulwark.adminUrl}/api/v1/pools`)).body.json()) as {
      pools: { endpoints: { id: string; state: string; override: unknown }[] }[];
    };
    const endpoint = pools.pools[0]?.endpoints.find((e) => e.id === bId);
    expect(endpoint?.state).toBe('draining');
    expect(endpoint?.override).not.toBeNull();
    const status = (await (await request(`${bulwark.adminUrl}/api/v1/config/status`)).body.json()) as {
      generation: number;
    };
    expect(status.generation).toBe(2);
  });
});
