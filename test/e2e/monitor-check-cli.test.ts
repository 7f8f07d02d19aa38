import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../support/cli-run.ts';
import { writeTempConfig } from '../support/config-file.ts';

/** A port that was just free: bound, then released, so a connect to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('bulwark check', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    const port = await closedPort();
    ({ dir, file } = await writeTempConfig('bulwark-monitor-check-', (tempDir) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        `data_dir: ${tempDir}/data`,
        `pools: { api: { endpoints: [{ url: "http://127.0.0.1:${port}" }] } }`,
        'routes: [{ pool: api }]',
        'monitors:',
        `  - { name: Closed port, type: tcp, host: 127.0.0.1, port: ${port}, timeout: 2s, assert: [ "connected == false" ] }`,
      ].join('\n'),
    ));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('passes a tcp monitor asserting connected == false while its port refuses connections', async () => {
    const { code, out } = await runCliCaptured('check', '-c', file);
    expect(out).toMatch(/closed-port +tcp +UP/);
    expect(code).toBe(0);
  });
});
