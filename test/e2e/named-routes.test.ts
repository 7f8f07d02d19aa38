import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { TrafficRecorder, type TrafficRow } from '../../src/monitor/traffic.ts';
import { createLogger, subscribeGatewayLogs } from '../../src/observability/index.ts';
import { GatewayMetrics } from '../../src/observability/metrics.ts';
import { metricsNamed, trafficMetricNames, trafficReadingOf } from '../../src/runtime/traffic-reader.ts';
import { startFromFile, writeTempConfig } from '../support/config-file.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { send } from '../support/overload-fixtures.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function okUpstream(): Promise<TestUpstream> {
  const upstream = await startTestUpstream((_req, res) => res.writeHead(200).end('ok'));
  cleanups.push(() => upstream.close());
  return upstream;
}

/** The value of the one sample of `name` whose labels include `labels`, or undefined when there is none. */
function sampleOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && wanted.every((label) => l.includes(label)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('a named route', () => {
  it('is known by its name in metrics, traffic history and the access log; an unnamed one by its position', async () => {
    const upstream = await okUpstream();
    const metrics = new GatewayMetrics({ processMetrics: false });
    cleanups.push(() => metrics.close());
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => void lines.push(line) },
    });
    cleanups.push(subscribeGatewayLogs(logger, { accessLog: true }));
    const gateway: TestGateway = await startTestGateway({
      pools: { api: { endpoints: [{ url: upstream.url }] } },
      routes: [{ name: 'checkout', match: { path_prefix: '/checkout' }, pool: 'api' }, { pool: 'api' }],
    });
    cleanups.push(() => gateway.stop());
    const rows: TrafficRow[] = [];
    const recorder = new TrafficRecorder(
      { appendTraffic: (added) => Promise.resolve(void rows.push(...added)) },
      async () => trafficReadingOf(await metricsNamed(metrics.registry, trafficMetricNames)),
    );
    await recorder.record(0);

    expect((await send(gateway.url, {}, '/checkout/cart')).status).toBe(200);
    expect((await send(gateway.url, {}, '/search')).status).toBe(200);
    const total = 'bulwark_gateway_requests_total';
    await eventually(
      async () => sampleOf(await metrics.registry.metrics(), total, { route: '1' }) === 1,
      5_000,
      'both requests counted',
    );

    const text = await metrics.registry.metrics();
    expect(sampleOf(text, total, { route: 'checkout', pool: 'api', status_class: '2xx' })).toBe(1);
    expect(sampleOf(text, total, { route: '0' })).toBeUndefined();
    await recorder.record(60_000);
    const routeRows = rows.filter((row) => row.scope === 'route').map((row) => [row.name, row.requests]);
    expect(routeRows.sort()).toEqual([
      ['1', 1],
      ['checkout', 1],
    ]);
    const accessLog = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r.event === 'request');
    expect(accessLog.map((r) => [r.path, r.route])).toEqual([
      ['/checkout/cart', 'checkout'],
      ['/search', '1'],
    ]);
  });

  it('keeps its rate-limit bucket, metric series and traffic history through a reload that inserts a route before it', async () => {
    const upstream = await okUpstream();
    const routeLimit = 'rate_limits: [{ key: route, rate: 1/h }]';
    let dir = '';
    const configText = (routes: readonly string[]) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        `data_dir: ${join(dir, 'data')}`,
        'logging: { level: silent }',
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes:',
        ...routes.map((route) => `  - ${route}`),
      ].join('\n');
    const checkout = `{ name: checkout, match: { path_prefix: /checkout }, pool: api, ${routeLimit} }`;
    const { file } = await writeTempConfig('bulwark-named-routes-', (tempDir) => {
      dir = tempDir;
      return configText([checkout, '{ pool: api }']);
    });
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const bulwark: RunningBulwark = await startFromFile(file, { configPath: file, watch: false });
    cleanups.push(() => bulwark.stop());
    expect((await send(bulwark.gatewayUrl, {}, '/checkout')).status).toBe(200);
    expect((await send(bulwark.gatewayUrl, {}, '/checkout')).status).toBe(429);

    // The inserted route takes position 0, which the named route had, and has a bucket of the same limit.
    const search = `{ match: { path_prefix: /search }, pool: api, ${routeLimit} }`;
    await writeFile(file, configText([search, checkout, '{ pool: api }']));
    expect(await bulwark.reload()).toMatchObject({ ok: true, generation: 2 });

    expect((await send(bulwark.gatewayUrl, {}, '/checkout')).status).toBe(429);
    expect((await send(bulwark.gatewayUrl, {}, '/search')).status).toBe(200);
    const scrape = async () => (await fetch(`${bulwark.adminUrl}/metrics`)).text();
    const refused = { code: 'GW_RATE_LIMITED', route: 'checkout', pool: 'api' };
    await eventually(
      async () => sampleOf(await scrape(), 'bulwark_gateway_errors_total', refused) === 2,
      5_000,
      'both refusals counted on route checkout',
    );
    const text = await scrape();
    const total = 'bulwark_gateway_requests_total';
    expect(sampleOf(text, total, { route: 'checkout', status_class: '2xx' })).toBe(1);
    expect(sampleOf(text, total, { route: 'checkout', status_class: '4xx' })).toBe(2);
    expect(sampleOf(text, total, { route: '0', status_class: '2xx' })).toBe(1);
    // The traffic API knows the route by its name, as it records it.
    expect((await fetch(`${bulwark.adminUrl}/api/v1/traffic/route/checkout`)).status).toBe(200);
  });
});
