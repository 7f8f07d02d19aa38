import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/index.ts';
import { startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { startFromFile, writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { send } from '../support/overload-fixtures.ts';
import { startTestUpstream } from '../support/test-upstream.ts';

type LogLine = Record<string, unknown>;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function okUpstream(): Promise<string> {
  const upstream = await startTestUpstream((_req, res) => res.writeHead(200).end('ok'));
  cleanups.push(() => upstream.close());
  return upstream.url;
}

const configText = (upstreamUrl: string, logging: string, extra: readonly string[] = []): string =>
  [
    ...extra,
    `logging: ${logging}`,
    `pools: { api: { endpoints: [{ url: "${upstreamUrl}" }] } }`,
    "routes: [{ name: shop, match: { path_prefix: '/shop' }, pool: api }]",
  ].join('\n');

const successLines = (lines: readonly LogLine[]): LogLine[] =>
  lines.filter((line) => line.event === 'request' && line.msg === 'request');

describe('logging.access_log', () => {
  it('logs one info line per successful request when on, and a reload turns it off', async () => {
    const upstreamUrl = await okUpstream();
    const { file } = await writeTempConfig('bulwark-access-log-', () =>
      configText(upstreamUrl, '{ level: info, access_log: true }', [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
      ]),
    );
    const lines: LogLine[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
    });
    const bulwark = await startFromFile(file, { logger, configPath: file, watch: false });
    cleanups.push(() => bulwark.stop());

    expect((await send(bulwark.gatewayUrl, {}, '/shop/cart?token=secret')).status).toBe(200);
    await eventually(() => successLines(lines).length === 1, 5_000, 'the access line');
    expect(successLines(lines)[0]).toMatchObject({
      level: 'info',
      component: 'gateway',
      method: 'GET',
      // The query may carry credentials: never logged.
      path: '/shop/cart',
      route: 'shop',
      pool: 'api',
      endpoint: new URL(upstreamUrl).host,
      status: 200,
      attempts: 1,
      requestId: expect.any(String) as unknown,
      durationMs: expect.any(Number) as unknown,
    });

    await writeFile(
      file,
      configText(upstreamUrl, '{ level: info }', ['listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }']),
    );
    expect((await bulwark.reload()).ok).toBe(true);
    expect((await send(bulwark.gatewayUrl, {}, '/shop/after-reload')).status).toBe(200);
    // A 404 is logged either way: once its line is in, the success before it would be too.
    expect((await send(bulwark.gatewayUrl, {}, '/nowhere')).status).toBe(404);
    await eventually(() => lines.some((line) => line.path === '/nowhere'), 5_000, 'the 404 line');
    expect(successLines(lines)).toHaveLength(1);
  });

  it('is off by default: a successful request writes no line', async () => {
    const upstreamUrl = await okUpstream();
    const { file } = await writeTempConfig('bulwark-access-log-', () =>
      configText(upstreamUrl, '{ level: info }', ['listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }']),
    );
    const lines: LogLine[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
    });
    const bulwark = await startFromFile(file, { logger });
    cleanups.push(() => bulwark.stop());
    expect((await send(bulwark.gatewayUrl, {}, '/shop/cart')).status).toBe(200);
    expect((await send(bulwark.gatewayUrl, {}, '/nowhere')).status).toBe(404);
    await eventually(() => lines.some((line) => line.path === '/nowhere'), 5_000, 'the 404 line');
    expect(successLines(lines)).toEqual([]);
  });

  it('is written by the gateway workers with gateway.workers: 2', async () => {
    const upstreamUrl = await okUpstream();
    const { file } = await writeTempConfig('bulwark-access-log-workers-', () =>
      configText(upstreamUrl, '{ level: info, access_log: true }', [
        'gateway: { workers: 2 }',
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
      ]),
    );
    const bulwark: BulwarkProcess = await startBulwarkProcess(file, { keepLogLines: true });
    cleanups.push(async () => {
      if (bulwark.child.exitCode !== null) return;
      const exited = once(bulwark.child, 'exit');
      bulwark.child.kill('SIGTERM');
      await exited;
    });
    for (let i = 0; i < 4; i += 1)
      expect((await send(bulwark.gatewayUrl, {}, `/shop/item-${i}`)).status).toBe(200);
    const accessLines = (): LogLine[] =>
      successLines(bulwark.logLines().map((line) => JSON.parse(line) as LogLine));
    await eventually(() => accessLines().length === 4, 10_000, 'four access lines from the workers');
    expect(accessLines().map((line) => line.path)).toEqual(
      expect.arrayContaining(['/shop/item-0', '/shop/item-1', '/shop/item-2', '/shop/item-3']),
    );
    for (const line of accessLines()) {
      expect(line).toMatchObject({ route: 'shop', status: 200 });
      expect([0, 1]).toContain(line.worker);
    }
  }, 30_000);
});
