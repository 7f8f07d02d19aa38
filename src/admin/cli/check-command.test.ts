import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../../test/support/cli-run.ts';

const run = runCliCaptured;

describe('bulwark check', () => {
  let dir = '';
  let server: Server;
  let url = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-check-'));
    server = createServer((req, res) => res.writeHead(req.url === '/ok' ? 200 : 503).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const configWith = async (name: string, monitors: string[]): Promise<string> => {
    const file = join(dir, name);
    await writeFile(
      file,
      [
        'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
        'routes: [{ pool: api }]',
        'monitors:',
        ...monitors.map((m) => `  - ${m}`),
      ].join('\n'),
    );
    return file;
  };

  it('runs every monitor once, prints a table and exits 1 when one is down', async () => {
    const file = await configWith('mixed.yaml', [
      `{ name: Home, type: http, url: "${url}/ok", assert: [ status == 200 ] }`,
      `{ name: Broken, type: http, url: "${url}/broken", assert: [ status == 200 ] }`,
      '{ name: Cron, type: heartbeat, expect_every: 1h }',
    ]);
    const result = await run('check', '-c', file);
    expect(result.code).toBe(1);
    const lines = result.out.split('\n');
    expect(lines[0]).toMatch(/^MONITOR\s+TYPE\s+RESULT\s+TIME\s+DETAIL$/);
    expect(lines[1]).toMatch(/^home\s+http\s+UP\s+\d+ ms\s+ok$/);
    expect(lines[2]).toMatch(/^broken\s+http\s+DOWN\s+\d+ ms\s+expected status == 200, got 503$/);
    expect(lines[3]).toMatch(/^cron\s+heartbeat\s+UP\s+-\s+heartbeat monitors are pushed, not run$/);
    expect(result.out).toContain('2 of 3 passed');
  });

  it('exits 0 when all pass, and 2 for a bad assertion with its line', async () => {
    const good = await configWith('good.yaml', [`{ name: Home, type: http, url: "${url}/ok" }`]);
    expect((await run('check', '-c', good)).code).toBe(0);
    const bad = await configWith('bad.yaml', [
      `{ name: Home, type: http, url: "${url}/ok", assert: [ stauts == 200 ] }`,
    ]);
    const result = await run('check', '-c', bad);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/bad\.yaml:4:\d+ monitors\[0\]\.assert\[0\]: unknown fact "stauts"/);
  });
});
