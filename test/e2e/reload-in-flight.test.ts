import { writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { startFromFile, writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

/**
 * docs/admin-api.md: drain an endpoint, wait for its inFlight to reach 0, then stop it. A reload (a drain in
 * the config) leaves streams running on the replaced config, which must still count.
 */

let bulwark: RunningBulwark | undefined;
let upstream: TestUpstream | undefined;
const held: ServerResponse[] = [];
afterEach(async () => {
  for (const res of held.splice(0)) res.end();
  await bulwark?.stop();
  bulwark = undefined;
  await upstream?.close();
});

async function inFlightSeen(adminUrl: string): Promise<{ api: number; gauge: number }> {
  const pools = (await (await request(`${adminUrl}/api/v1/pools`)).body.json()) as {
    pools: { endpoints: { inFlight: number }[] }[];
  };
  const metrics = await (await request(`${adminUrl}/metrics`)).body.text();
  const gauge = /^bulwark_gateway_endpoint_in_flight\{[^}]*\} (\d+)$/m.exec(metrics)?.[1];
  return { api: pools.pools[0]?.endpoints[0]?.inFlight ?? -1, gauge: Number(gauge) };
}

describe('inFlight after a reload', () => {
  it('counts a stream still running on the replaced config, in /api/v1/pools and the gauge, until it ends', async () => {
    upstream = await startTestUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      held.push(res);
    });
    const configText = (drain: boolean): string =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        'logging: { level: silent }',
        `pools: { api: { endpoints: [{ url: "${upstream!.url}", drain: ${drain} }] } }`,
        'routes: [{ pool: api }]',
      ].join('\n');
    const { file } = await writeTempConfig('bulwark-reload-in-flight-', () => configText(false));
    bulwark = await startFromFile(file, { configPath: file, watch: false });
    const stream = await request(`${bulwark.gatewayUrl}/events`);
    const body = stream.body.text();
    expect(await inFlightSeen(bulwark.adminUrl)).toEqual({ api: 1, gauge: 1 });

    await writeFile(file, configText(true));
    expect((await bulwark.reload()).ok).toBe(true);
    // Before, both read 0: only the new config's graph was counted.
    expect(await inFlightSeen(bulwark.adminUrl)).toEqual({ api: 1, gauge: 1 });

    held[0]!.end('data: 2\n\n');
    expect(await body).toBe('data: 1\n\ndata: 2\n\n');
    await eventually(
      async () => (await inFlightSeen(bulwark!.adminUrl)).api === 0,
      5_000,
      'inFlight back to 0',
    );
    expect(await inFlightSeen(bulwark.adminUrl)).toEqual({ api: 0, gauge: 0 });
  });
});
