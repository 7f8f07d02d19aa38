import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { startFromFile, writeTempConfig } from '../support/config-file.ts';
import { freePort } from '../support/free-port.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

describe('a component fed by a pool without health checks, in a running Bulwark', () => {
  let dir: string;
  let upstream: TestUpstream;
  let bulwark: RunningBulwark;
  const componentStatus = async (id: string): Promise<string | undefined> => {
    const res = await fetch(`${bulwark.statusUrl}/api/v2/components.json`);
    const { components } = (await res.json()) as { components: { id: string; status: string }[] };
    return components.find((c) => c.id === id)?.status;
  };

  beforeAll(async () => {
    upstream = await startTestUpstream((_req, res) => res.writeHead(200).end('ok'));
    // Nothing listens there: every request to the pool fails to connect.
    const closedPort = await freePort();
    let file: string;
    ({ dir, file } = await writeTempConfig('bulwark-status-pool-traffic-', (dir) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
        `data_dir: ${join(dir, 'data')}`,
        'pools:',
        `  dead: { endpoints: [{ url: "http://127.0.0.1:${closedPort}" }] }`,
        `  api: { endpoints: [{ url: "${upstream.url}" }] }`,
        'routes:',
        '  - { match: { path_prefix: /dead }, pool: dead }',
        '  - { pool: api }',
        'status_page:',
        '  title: Acme',
        '  components:',
        '    - { name: Legacy, from: { pools: [dead] } }',
        '    - { name: API, from: { pools: [api] } }',
      ].join('\n'),
    ));
    bulwark = await startFromFile(file);
  });

  afterAll(async () => {
    await bulwark.stop();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows a major outage while every request through the pool fails, and the healthy pool operational', async () => {
    expect(await componentStatus('legacy')).toBe('operational');
    const statuses: number[] = [];
    // Traffic keeps coming, as it would: the page reads the gateway's counters every 5 s.
    await eventually(
      async () => {
        for (let i = 0; i < 10; i++) statuses.push((await fetch(`${bulwark.gatewayUrl}/dead/x`)).status);
        for (let i = 0; i < 10; i++) await fetch(`${bulwark.gatewayUrl}/ok`);
        return (await componentStatus('legacy')) === 'major_outage';
      },
      20_000,
      'Legacy to show a major outage',
    );
    expect(new Set(statuses)).toEqual(new Set([502]));
    expect(await componentStatus('api')).toBe('operational');
  });
});
