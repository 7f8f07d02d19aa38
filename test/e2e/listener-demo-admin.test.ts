import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo, type RunningDemo } from '../../src/demo/index.ts';
import { runCliWithEnv } from '../support/cli-run.ts';

/**
 * The demo's admin listener on loopback is what a web page open in the user's browser could reach: with the
 * token printed in every copy of the guide it could write, and after a DNS rebinding it could read.
 */

let demo: RunningDemo;

beforeAll(async () => {
  demo = await runDemo({
    gatewayPort: 0,
    adminPort: 0,
    dataDir: await mkdtemp(join(tmpdir(), 'bulwark-demo-admin-')),
  });
});

afterAll(async () => {
  await demo?.stop();
});

const cli = (token: string, ...argv: string[]) =>
  runCliWithEnv({ BULWARK_ADMIN_TOKEN: token }, ...argv, '--admin', demo.bulwark.adminUrl);

describe("the demo's admin listener", () => {
  it("takes this run's token, as the guide's incident commands use it, and not the one once published", async () => {
    const listed = await cli(demo.adminToken, 'incident', 'list');
    expect([listed.code, listed.err]).toEqual([0, '']);
    const published = await cli('bulwark-demo-admin-token', 'incident', 'list');
    expect(published.code).toBe(1);
    expect(published.err).toContain('BULWARK_ADMIN_TOKEN');
  });

  it('refuses a request whose Host is a name a rebound page would send, even with the token', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const headers = { host: 'attacker.example', authorization: `Bearer ${demo.adminToken}` };
      const req = request(`${demo.bulwark.adminUrl}/api/v1/incidents`, { headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });
});
