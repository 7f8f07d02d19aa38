import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { writeTempConfig } from '../support/config-file.ts';

let bulwark: BulwarkProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  bulwark?.child.kill('SIGTERM');
  await bulwark?.exited();
  bulwark = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bulwark start prints where it listens', () => {
  it('names the status page too: with port 0 that line is the only place its address shows', async () => {
    const config = await writeTempConfig('bulwark-start-banner-', (d) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
        `data_dir: ${join(d, 'data')}`,
        'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
        'routes: [{ match: { path_prefix: / }, pool: api }]',
        'status_page: { title: Acme, components: [{ name: Web }] }',
      ].join('\n'),
    );
    dir = config.dir;
    bulwark = await startBulwarkProcess(config.file);
    expect(bulwark.statusUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${bulwark.statusUrl}/api/v2/status.json`);
    expect(res.status).toBe(200);
  });
});
