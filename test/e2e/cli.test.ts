import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const mainScript = join(repoRoot, 'src/main.ts');
const binScript = join(repoRoot, 'bin/bulwark.js');
// The CLI needs Node 24 to run .ts; vitest may run under an older system node, so fall back to the pinned one.
const nodeBinary =
  Number(process.versions.node.split('.')[0]) >= 24
    ? process.execPath
    : join(repoRoot, 'node_modules/.bin/node');

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Spawns the real CLI; `exit` resolves with its code and everything it wrote. */
function spawnBulwark(
  args: readonly string[],
  script = mainScript,
  env: NodeJS.ProcessEnv = process.env,
): { child: ChildProcess; exit: Promise<Exit> } {
  const child = spawn(nodeBinary, [script, ...args], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, exit };
}

function bulwark(args: readonly string[], script = mainScript, env = process.env): Promise<Exit> {
  return spawnBulwark(args, script, env).exit;
}

/** Resolves when the child's stderr has printed text matching `pattern` (a listener, so the pipe stays open). */
function stderrMatch(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (!match) return;
      child.stderr?.off('data', onData);
      resolve(match);
    };
    child.stderr?.on('data', onData);
    child.once('close', () => reject(new Error(`exited without printing ${String(pattern)}: ${seen}`)));
  });
}

const startConfig = (gatewayPort: number) =>
  [
    'listen:',
    `  gateway: 127.0.0.1:${gatewayPort}`,
    '  admin: 127.0.0.1:0',
    'logging: { level: warn }',
    'pools:',
    '  app:',
    '    endpoints: [{ url: http://127.0.0.1:9 }]',
    'routes:',
    '  - pool: app',
    '',
  ].join('\n');

describe('bulwark CLI (real process)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-e2e-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('validate: a good file exits 0', async () => {
    const result = await bulwark(['validate', '-c', 'examples/failover.yaml']);
    expect(result).toEqual({
      code: 0,
      stdout: 'ok: examples/failover.yaml (2 pools, 1 route)\n',
      stderr: '',
    });
  });

  it('validate: a bad file exits 2 naming the file, YAML path and line', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      [
        'pools:',
        '  api:',
        '    balancer: least-requests',
        '    endpoints:',
        '      - url: http://127.0.0.1:9001',
        'routes:',
        '  - pool: api',
        '',
      ].join('\n'),
    );
    const result = await bulwark(['validate', '-c', file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${file}:3:15 pools.api.balancer: expected one of round-robin |`);
    expect(result.stderr).toContain('found "least-requests" (did you mean "least-request"?)');
  });

  it('validate and start refuse values that would break the running program, naming each', async () => {
    const file = join(dir, 'zero.yaml');
    await writeFile(
      file,
      [
        'pools:',
        '  api:',
        '    endpoints: [{ url: http://127.0.0.1:9001 }]',
        '    health_check: { interval: 0s }',
        'routes:',
        '  - pool: api',
        '    timeouts: { total: 0s, idle: 0s }',
        'monitors:',
        '  - { name: api, type: tcp, host: 127.0.0.1, port: 9001, interval: 100000d }',
        'status_page:',
        '  title: Status',
        '  maintenance: [{ name: nightly, weekly: { days: [sun], at: "02:00" }, duration: 0s }]',
        '',
      ].join('\n'),
    );
    const expected = [
      `${file}:4:31 pools.api.health_check.interval: expected a duration above 0, found "0s"`,
      `${file}:7:24 routes[0].timeouts.total: expected a duration above 0, found "0s"`,
      `${file}:9:68 monitors[0].interval: expected a duration of at most 24d, found "100000d"`,
      `${file}:12:82 status_page.maintenance[0].duration: expected a duration above 0, found "0s"`,
    ];
    const validated = await bulwark(['validate', '-c', file]);
    expect(validated.code).toBe(2);
    // Before these were refused, start ran a health check loop and threw on the maintenance window.
    const started = await bulwark(['start', '-c', file]);
    expect(started.code).toBe(2);
    for (const result of [validated, started])
      for (const line of expected) expect(result.stderr).toContain(line);
  });

  it('validate and start name a URL without a scheme, from the file or the environment (exit 2)', async () => {
    const file = join(dir, 'no-scheme.yaml');
    await writeFile(
      file,
      [
        'pools:',
        '  api:',
        '    endpoints:',
        '      - url: http://127.0.0.1:18101',
        '      - url: 127.0.0.1:18102',
        '      - url: ${BACKUP_URL}',
        '      - url: localhost:18102',
        'routes:',
        '  - pool: api',
        'monitors:',
        '  - { name: a, type: http, url: "127.0.0.1:18102/healthz" }',
        '  - { name: b, type: http, url: "htp://127.0.0.1:18102/healthz" }',
        '',
      ].join('\n'),
    );
    const url = 'expected an http:// or https:// URL';
    const expected = [
      `${file}:5:14 pools.api.endpoints[1].url: ${url}, found "127.0.0.1:18102"`,
      `${file}:6:14 pools.api.endpoints[2].url: ${url}, found "\${BACKUP_URL}" (from the environment)`,
      `${file}:7:14 pools.api.endpoints[3].url: ${url}, found "localhost:18102"`,
      `${file}:11:33 monitors[0].url: ${url}, found "127.0.0.1:18102/healthz"`,
      `${file}:12:33 monitors[1].url: ${url}, found "htp://127.0.0.1:18102/healthz"`,
      '',
    ].join('\n');
    const env = { ...process.env, BACKUP_URL: '127.0.0.1:18103' };
    for (const command of ['validate', 'start'])
      expect(await bulwark([command, '-c', file], mainScript, env)).toEqual({
        code: 2,
        stdout: '',
        stderr: expected,
      });
  });

  it('validate reports every problem in one run, an unset variable among them', async () => {
    const file = join(dir, 'many.yaml');
    await writeFile(
      file,
      [
        'admin: { tokens: ["${BULWARK_ADMIN_TOKEN}"] }',
        'pools:',
        '  api:',
        '    balancer: least-requests',
        '    endpoints: [{ url: http://127.0.0.1:9001 }]',
        'routes:',
        '  - pool: apii',
        'monitors:',
        '  - { name: api, type: tcp, host: 127.0.0.1, port: 9001, interval: 0s }',
        'alerting:',
        '  routes: [{ notify: [slack] }]',
        '  notifiers: { hooks: { type: webhook, url: 42 } }',
        '',
      ].join('\n'),
    );
    const { BULWARK_ADMIN_TOKEN: _unset, ...env } = process.env;
    const result = await bulwark(['validate', '-c', file], mainScript, env);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `${file}:1:19 admin.tokens[0]: environment variable BULWARK_ADMIN_TOKEN is not set (write \${BULWARK_ADMIN_TOKEN:-default} to give a default)`,
      expect.stringMatching(/:4:15 pools\.api\.balancer: expected one of .*, found "least-requests"/),
      `${file}:7:11 routes[0].pool: expected the name of a pool (api), found "apii" (did you mean "api"?)`,
      `${file}:9:68 monitors[0].interval: expected a duration above 0, found "0s"`,
      `${file}:11:23 alerting.routes[0].notify[0]: expected the name of a notifier (hooks), found "slack"`,
      `${file}:12:45 alerting.notifiers.hooks.url: expected an http:// or https:// URL, found 42`,
    ]);
  });

  it('an unknown command exits 2', async () => {
    const result = await bulwark(['deploy']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "deploy"');
  });

  it('--version prints the package version', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;
    expect(await bulwark(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('--help lists the commands and exit codes', async () => {
    const result = await bulwark(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/start[\s\S]*validate[\s\S]*demo/);
    expect(result.stdout).toContain('Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad config.');
  });

  it('start: serves until SIGTERM, then stops cleanly with exit 0', async () => {
    const file = join(dir, 'start.yaml');
    await writeFile(file, startConfig(0));
    const { child, exit } = spawnBulwark(['start', '-c', file]);
    const [, gatewayUrl = ''] = await stderrMatch(child, /gateway (http:\/\/127\.0\.0\.1:\d+)/);
    // No endpoint listens on port 9, so the gateway answers for itself; any HTTP reply proves it is serving.
    const response = await fetch(`${gatewayUrl}/anything`);
    expect(response.status).toBeGreaterThanOrEqual(500);
    child.kill('SIGTERM');
    expect((await exit).code).toBe(0);
  });

  it('start: a gateway or admin port already in use is a runtime failure (exit 1) naming its key', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const file = join(dir, 'busy.yaml');
      const { port } = blocker.address() as AddressInfo;
      await writeFile(file, startConfig(port));
      const result = await bulwark(['start', '-c', file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`listen.gateway: 127.0.0.1:${port} is in use`);
      const adminBusy = join(dir, 'admin-busy.yaml');
      await writeFile(adminBusy, startConfig(0).replace('admin: 127.0.0.1:0', `admin: 127.0.0.1:${port}`));
      const second = await bulwark(['start', '-c', adminBusy]);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`listen.admin: 127.0.0.1:${port} is in use`);
    } finally {
      blocker.close();
    }
  });

  it('bin/bulwark.js runs the same CLI', async () => {
    const result = await bulwark(['validate', '-c', 'examples/minimal.yaml'], binScript);
    expect(result).toEqual({ code: 0, stdout: 'ok: examples/minimal.yaml (1 pool, 1 route)\n', stderr: '' });
  });
});
