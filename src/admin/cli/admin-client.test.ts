import { afterEach, describe, expect, it } from 'vitest';
import { runCliCaptured, runCliWithEnv } from '../../../test/support/cli-run.ts';
import { startTestUpstream, type TestUpstream } from '../../../test/support/test-upstream.ts';

let server: TestUpstream | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('admin client messages', () => {
  it("never prints a token that holds a line break, and takes one with a file's line end", async () => {
    let authorization: string | undefined;
    server = await startTestUpstream((req, res) => {
      authorization = req.headers.authorization;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[]');
    });
    const token = 'admintoken-SECRET-0123456789';
    const broken = await runCliWithEnv(
      { BULWARK_ADMIN_TOKEN: `${token}\nold-SECRET` },
      'incident',
      'list',
      '--admin',
      server.url,
    );
    expect(broken.code).toBe(2);
    expect(broken.err).toContain('BULWARK_ADMIN_TOKEN holds a control character');
    expect(broken.err + broken.out).not.toContain('SECRET');

    const fromFile = await runCliWithEnv(
      { BULWARK_ADMIN_TOKEN: `${token}\r\n` },
      'incident',
      'list',
      '--admin',
      server.url,
    );
    expect(fromFile.code).toBe(0);
    expect(authorization).toBe(`Bearer ${token}`);
  });

  it('asks for --admin when neither it nor a config file says where the admin listener is', async () => {
    // The tests run from the repository root, which has no bulwark.yaml.
    const result = await runCliCaptured('incident', 'list');
    expect(result.code).toBe(2);
    expect(result.err).toContain('no --admin URL, and no bulwark.yaml here to read listen.admin from');
  });

  it.each([
    ['the gateway', { error: { code: 'GW_NO_ROUTE', message: 'no route matches GET /api/v1/incidents' } }],
    ['the status page', 'Not found'],
  ])('hints that --admin may be wrong when %s answers 404', async (_name, body) => {
    server = await startTestUpstream((_req, res) => {
      res.writeHead(404, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
    const result = await runCliCaptured('incident', 'list', '--admin', server.url);
    expect(result.code).toBe(1);
    expect(result.err).toContain('is --admin the admin listener (listen.admin');
  });

  it("gives no such hint for the admin API's own 404", async () => {
    server = await startTestUpstream((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'ADMIN_NOT_FOUND', message: 'no incident with id "x"' } }));
    });
    const result = await runCliCaptured('incident', 'resolve', 'x', '--admin', server.url);
    expect(result.err).toContain('no incident with id "x"');
    expect(result.err).not.toContain('is --admin');
  });
});
