import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { startFromFile, writeTempConfig } from '../support/config-file.ts';
import { freePort } from '../support/free-port.ts';

// A reload that moves listen.status to an address it cannot bind fails as a whole: the page keeps serving on
// the old address, and nothing else of the new config (here a monitor) goes live.

let bulwark: RunningBulwark | undefined;
const closers: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  await bulwark?.stop();
  bulwark = undefined;
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function squat(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as { port: number }).port;
}

function configText(dir: string, statusPort: number, extra: readonly string[] = []): string {
  return [
    `listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:${statusPort} }`,
    'logging: { level: silent }',
    `data_dir: ${join(dir, 'data')}`,
    'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
    'routes: [{ pool: api }]',
    'status_page: { title: Acme, components: [{ name: API }] }',
    ...extra,
  ].join('\n');
}

const statusOf = (url: string): Promise<number | string> =>
  fetch(`${url}/api/v2/status.json`).then(
    (res) => res.status,
    (error: unknown) => String((error as Error).cause ?? error),
  );

describe('a reload that moves listen.status', () => {
  it('to an address in use fails naming listen.status, and the page keeps serving on the old one', async () => {
    const { dir, file } = await writeTempConfig('bulwark-reload-status-', (dir) => configText(dir, 0));
    bulwark = await startFromFile(file, { configPath: file, watch: false });
    const oldUrl = bulwark.statusUrl ?? '';
    const port = await squat();
    const monitor =
      'monitors: [{ name: Probe, type: tcp, host: 127.0.0.1, port: 9, interval: 1s, timeout: 500ms }]';
    await writeFile(file, configText(dir, port, [monitor]));

    const outcome = await bulwark.reload();
    expect(outcome.ok).toBe(false);
    expect(bulwark.configStatus().generation).toBe(1);
    expect(await statusOf(oldUrl)).toBe(200);
    expect(bulwark.statusUrl).toBe(oldUrl);
    const listed = (await (await fetch(`${bulwark.adminUrl}/api/v1/monitors`)).json()) as {
      monitors: unknown[];
    };
    expect(listed.monitors).toEqual([]);
    expect(outcome).toEqual({ ok: false, error: `listen.status: 127.0.0.1:${port} is in use` });
  });

  it('to a free address serves there and gives the old one up', async () => {
    const { dir, file } = await writeTempConfig('bulwark-reload-status-', (dir) => configText(dir, 0));
    bulwark = await startFromFile(file, { configPath: file, watch: false });
    const oldUrl = bulwark.statusUrl ?? '';
    const port = await freePort();
    await writeFile(file, configText(dir, port));

    expect(await bulwark.reload()).toEqual({ ok: true, generation: 2 });
    expect(bulwark.statusUrl).toBe(`http://127.0.0.1:${port}`);
    expect(await statusOf(`http://127.0.0.1:${port}`)).toBe(200);
    expect(await statusOf(oldUrl)).toMatch(/ECONNREFUSED/);
  });
});
