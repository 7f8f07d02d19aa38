import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../../test/support/cli-run.ts';
import { freePort } from '../../../test/support/free-port.ts';
import { startTestUpstream, type TestUpstream } from '../../../test/support/test-upstream.ts';

let dir = '';
let admin: TestUpstream | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-monitors-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await admin?.close();
  admin = undefined;
});

/** An admin API that lists no monitors; its address as listen addresses are written. */
async function startAdmin(): Promise<string> {
  admin = await startTestUpstream((req, res) => {
    res.writeHead(req.url === '/api/v1/monitors' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ monitors: [] }));
  });
  return admin.url.replace('http://', '');
}

/** A config as a server would run it: secrets from its environment, which the CLI's does not have. */
async function liveConfig(adminAddress: string): Promise<string> {
  const file = join(dir, `live-${adminAddress.replace(/\W/g, '-')}.yaml`);
  await writeFile(
    file,
    [
      'listen:',
      `  admin: ${adminAddress}`,
      'admin:',
      '  tokens: ["${BULWARK_ADMIN_TOKEN}"]',
      'pools:',
      '  api:',
      '    endpoints: [{ url: http://127.0.0.1:39101 }]',
      'routes: [{ pool: api }]',
      'alerting:',
      '  notifiers:',
      '    - { name: hook, type: webhook, url: "http://127.0.0.1:9/", secret: "${HOOK_SECRET}" }',
      '',
    ].join('\n'),
  );
  return file;
}

describe('bulwark monitors', () => {
  it('reads only listen.admin from the config, not variables the server alone needs', async () => {
    const file = await liveConfig(await startAdmin());
    expect(await runCliCaptured('monitors', '-c', file)).toEqual({ code: 0, out: 'no monitors\n', err: '' });
  });

  it('still fails, naming it, when listen.admin itself needs an unset variable', async () => {
    const result = await runCliCaptured('monitors', '-c', await liveConfig('${ADMIN_ADDRESS}'));
    expect(result.code).toBe(2);
    expect(result.err).toContain('listen.admin: environment variable ADMIN_ADDRESS is not set');
    expect(result.err).not.toContain('HOOK_SECRET');
  });

  it('takes --admin as HOST:PORT, as listen addresses are written', async () => {
    const address = await startAdmin();
    expect(await runCliCaptured('monitors', '--admin', address)).toEqual({
      code: 0,
      out: 'no monitors\n',
      err: '',
    });
  });

  it('says what --admin expects when it is no HTTP address', async () => {
    const result = await runCliCaptured('monitors', '--admin', 'ftp://127.0.0.1:8082');
    expect(result.code).toBe(2);
    expect(result.err).toContain('--admin expects http://HOST:PORT or HOST:PORT');
  });

  it('names the address and the cause when the admin API cannot be reached', async () => {
    const port = await freePort();
    expect(await runCliCaptured('monitors', '--admin', `http://127.0.0.1:${port}`)).toEqual({
      code: 1,
      out: '',
      err: `bulwark: cannot reach the admin API at http://127.0.0.1:${port}: ECONNREFUSED\n`,
    });
  });
});

describe('usage errors', () => {
  it.each([
    [['monitors', '--bogus'], 'bulwark monitors --help'],
    [['incident', 'frob'], 'bulwark incident --help'],
    [['monitors', '--admin', 'ftp://x'], 'bulwark monitors --help'],
    [['monotors'], 'bulwark --help'],
  ])('%j points to the help of %s', async (argv, help) => {
    const result = await runCliCaptured(...argv);
    expect(result.code).toBe(2);
    expect(result.err.endsWith(`Run "${help}" for usage.\n`)).toBe(true);
  });
});
