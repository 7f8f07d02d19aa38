import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../../test/support/cli-run.ts';
import { bulwarkVersion } from './version.ts';

const run = runCliCaptured;

describe('runCli', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints help listing every command, and help per command', async () => {
    const help = await run('--help');
    expect(help).toMatchObject({ code: 0, err: '' });
    for (const name of ['start', 'validate', 'demo']) expect(help.out).toContain(`  ${name} `);
    expect((await run('validate', '--help')).out).toContain('Usage: bulwark validate [-c FILE]');
    expect((await run('help', 'start')).out).toContain('Usage: bulwark start [-c FILE]');
    expect((await run('-h')).out).toBe(help.out);
  });

  it('prints the package version', async () => {
    expect(await run('--version')).toEqual({ code: 0, out: `${bulwarkVersion}\n`, err: '' });
    expect(bulwarkVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('validates a good file', async () => {
    const file = join(dir, 'good.yaml');
    await writeFile(
      file,
      'pools:\n  app:\n    endpoints: [{ url: http://127.0.0.1:3000 }]\nroutes:\n  - pool: app\n',
    );
    expect(await run('validate', '-c', file)).toEqual({
      code: 0,
      out: `ok: ${file} (1 pool, 1 route)\n`,
      err: '',
    });
  });

  it('reports a bad file with exit code 2', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      'pools:\n  app:\n    endpoints: [{ url: http://127.0.0.1:3000 }]\nroutes:\n  - pool: ap\n',
    );
    const result = await run('validate', '--config', file);
    expect(result).toMatchObject({ code: 2, out: '' });
    expect(result.err).toContain(
      `${file}:5:11 routes[0].pool: expected the name of a pool (app), found "ap"`,
    );
  });

  it('reports a missing file with a hint', async () => {
    const result = await run('start', '-c', join(dir, 'missing.yaml'));
    expect(result.code).toBe(2);
    expect(result.err).toContain('missing.yaml: file not found');
    expect(result.err).toContain('-c FILE');
  });

  it.each([
    [['valdate'], 'unknown command "valdate"; did you mean "validate"?'],
    [
      ['frobnicate'],
      'unknown command "frobnicate"; commands are: start, validate, check, pools, endpoint, monitors, alerts, silence, notify, incident, maintenance, component, subscriber, status, config, demo',
    ],
    [['validate', '-x'], "validate: Unknown option '-x'"],
    [['validate', '-c'], "validate: Option '-c, --config <value>' argument missing"],
    [['validate', 'file.yaml'], "validate: Unexpected argument 'file.yaml'"],
    [['demo', '--port', 'eighty'], '--port expects a number from 0 to 65535, got "eighty"'],
    [['--port', '70000'], '--port expects a number from 0 to 65535, got "70000"'],
    [['demo', '--status-port', '8o81'], '--status-port expects a number from 0 to 65535, got "8o81"'],
    [['silence'], 'silence: expected add, list, expire'],
    [
      ['silence', 'add', '--admin', 'http://127.0.0.1:9', '--duration', '1h'],
      'silence add: give at least one MATCHER',
    ],
    [['notify', 'send', 'x'], 'notify: expected "notify test NAME"'],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const result = await run(...argv);
    expect(result).toMatchObject({ code: 2, out: '' });
    expect(result.err).toContain(`bulwark: ${message}`);
    // The command's own help (the default command's for bare options); the list of commands for an unknown one.
    expect(result.err).toMatch(/\nRun "bulwark (validate |demo |silence |notify )?--help" for usage\.\n$/);
  });
});
