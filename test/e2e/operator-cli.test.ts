import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { runCliWithEnv } from '../support/cli-run.ts';
import { writeTempConfig, startFromFile } from '../support/config-file.ts';
import { freePort } from '../support/free-port.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../support/recording-receiver.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

const adminToken = 'operator-cli-test-token-0123456789';

describe('bulwark pools | endpoint | monitors | alerts | config against a running Bulwark', () => {
  let dir: string;
  let file: string;
  let config: string;
  let upstreams: TestUpstream[];
  let down: TestUpstream;
  let receiver: RecordingReceiver;
  let bulwark: RunningBulwark;
  const withToken = { BULWARK_ADMIN_TOKEN: adminToken, USER: 'oncall-amy' };
  const cli = (...argv: string[]) => runCliWithEnv(withToken, ...argv, '--admin', bulwark.adminUrl);
  const cliWithoutToken = (...argv: string[]) => runCliWithEnv({}, ...argv, '--admin', bulwark.adminUrl);
  const hostOf = (upstream: TestUpstream): string => new URL(upstream.url).host;

  beforeAll(async () => {
    upstreams = await Promise.all(
      [0, 1, 2].map(() => startTestUpstream((_req, res) => res.writeHead(200).end('ok'))),
    );
    down = await startTestUpstream((_req, res) => res.writeHead(503).end());
    receiver = await startRecordingReceiver();
    const [a, b, backup] = upstreams.map((u) => u.url);
    ({ dir, file } = await writeTempConfig('bulwark-operator-cli-', (dir) => {
      config = [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
        'logging: { level: silent }',
        `admin: { tokens: ["${adminToken}"] }`,
        `data_dir: ${join(dir, 'data')}`,
        'pools:',
        `  api: { endpoints: [{ url: "${a}" }, { url: "${b}/", weight: 2 }], failover: api-backup }`,
        `  api-backup: { endpoints: [{ url: "${backup}" }] }`,
        'routes: [{ pool: api }]',
        'monitors:',
        `  - { name: Payments, type: http, url: "${down.url}/healthz", interval: 200ms, timeout: 150ms,`,
        '      failure_threshold: 1 }',
        `  - { name: Docs, type: http, url: "${a}/", interval: 200ms, timeout: 150ms }`,
        'alerting:',
        '  routes: [{ notify: [hooks] }]',
        `  notifiers: { hooks: { type: webhook, url: "${receiver.url}/hook" } }`,
        'status_page:',
        '  title: Acme Status',
        '  components: [{ name: API, from: { pools: [api] } }]',
      ].join('\n');
      return config;
    }));
    bulwark = await startFromFile(file, { configPath: file, watch: false });
  });

  afterAll(async () => {
    await bulwark.stop();
    await Promise.all([...upstreams, down].map((u) => u.close()));
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('bulwark pools shows every endpoint of every pool with state, health, in-flight and weight', async () => {
    const [a, b, backup] = upstreams.map(hostOf);
    const listed = await cli('pools');
    expect(listed).toMatchObject({ code: 0, err: '' });
    const lines = listed.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^POOL\s+ENDPOINT\s+STATE\s+IN-FLIGHT\s+WEIGHT\s+HEALTH$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^api\\s+${a}\\s+ready\\s+0\\s+1\\s+healthy$`)),
      expect.stringMatching(new RegExp(`^api\\s+${b}\\s+ready\\s+0\\s+2\\s+healthy$`)),
      expect.stringMatching(new RegExp(`^api-backup\\s+${backup}\\s+ready\\s+0\\s+1\\s+healthy$`)),
    ]);
    const json = JSON.parse((await cli('pools', '--json')).out) as { pools: { name: string }[] };
    expect(json.pools.map((p) => p.name)).toEqual(['api', 'api-backup']);
  });

  it('bulwark endpoint drain | maintenance | weight | ready change an endpoint, named as a human types it', async () => {
    const [a, b] = upstreams;
    const id = hostOf(a!);
    expect(await cli('endpoint', 'drain', 'api', id)).toEqual({
      code: 0,
      out: `api/${id}: draining, weight 1, takes no new requests, 0 in flight\n`,
      err: '',
    });
    expect((await cli('pools')).out).toMatch(new RegExp(`api\\s+${id}\\s+draining \\(set at run time\\)`));
    // The URL as the config writes it, path and all; and POOL/ENDPOINT as `maintenance --drain` takes it.
    expect((await cli('endpoint', 'maintenance', 'api', `${a!.url}/`)).out).toMatch(
      new RegExp(`^api/${id}: maintenance,`),
    );
    expect((await cli('endpoint', 'weight', `api/${hostOf(b!)}`, '5')).out).toMatch(
      new RegExp(`^api/${hostOf(b!)}: ready, weight 5, takes new requests`),
    );
    expect((await cli('pools')).out).toMatch(
      new RegExp(`${hostOf(b!)}\\s+ready\\s+0\\s+5 \\(config 2\\)\\s+healthy`),
    );
    expect((await cli('endpoint', 'ready', 'api', id)).out).toMatch(
      new RegExp(`^api/${id}: ready, weight 1, takes new requests`),
    );
    expect((await cli('endpoint', 'weight', 'api', hostOf(b!), '2')).code).toBe(0);
  });

  it('bulwark endpoint says what exists when the endpoint or weight is wrong (exit 1)', async () => {
    const unknown = await cli('endpoint', 'drain', 'api', '10.9.9.9:80');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain(
      `bulwark: cannot drain api/10.9.9.9:80: pool "api" has no endpoint "10.9.9.9:80"; it has ${hostOf(upstreams[0]!)}`,
    );
    const tooHeavy = await cli('endpoint', 'weight', 'api', hostOf(upstreams[0]!), '5000');
    expect(tooHeavy.code).toBe(1);
    expect(tooHeavy.err).toContain('weight must be an integer from 1 to 1000');
  });

  it('bulwark monitors pause | resume stop and restart a monitor; the bare form still lists', async () => {
    expect(await cli('monitors', 'pause', 'docs')).toEqual({
      code: 0,
      out: 'monitor docs paused: no checks until "bulwark monitors resume docs"\n',
      err: '',
    });
    expect((await cli('monitors')).out).toMatch(/\ndocs\s+http\s+paused\s/);
    expect((await cli('monitors', 'resume', 'docs')).out).toMatch(/^monitor docs resumed \(\w+\)\n$/);
    expect((await cli('monitors', 'list')).out).not.toMatch(/\ndocs\s+http\s+paused\s/);
    const unknown = await cli('monitors', 'pause', 'nope');
    expect(unknown).toMatchObject({ code: 1, out: '' });
    expect(unknown.err).toContain('cannot pause monitor nope: no monitor with id "nope"');
  });

  it('bulwark alerts lists the firing alerts and alerts ack acknowledges one', async () => {
    let listed = { code: -1, out: '', err: '' };
    await eventually(
      async () => {
        listed = await cli('alerts');
        return listed.out.includes('monitor-down');
      },
      10_000,
      'the payments monitor to fire',
    );
    expect(listed.out).toMatch(/^FINGERPRINT\s+ALERT\s+STATE\s+SINCE\s+LABELS\n/);
    const row = listed.out.split('\n').find((line) => line.includes('monitor=payments')) ?? '';
    expect(row).toMatch(/^[0-9a-f]{16}\s+monitor-down\s+active\s+\S+Z\s+/);
    const fingerprint = row.split(' ')[0] ?? '';
    expect(await cli('alerts', 'ack', fingerprint)).toEqual({
      code: 0,
      out: `alert ${fingerprint} acknowledged by oncall-amy: no reminders until it resolves or changes\n`,
      err: '',
    });
    expect((await cli('alerts')).out).toMatch(
      new RegExp(`${fingerprint}\\s+monitor-down\\s+active, acked by oncall-amy`),
    );
    const unknown = await cli('alerts', 'ack', '0000000000000000');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no firing alert with fingerprint "0000000000000000"');
  });

  it('bulwark component set overrides a status page component, and component clear hands it back', async () => {
    expect(await cli('component', 'set', 'api', 'major_outage')).toEqual({
      code: 0,
      out: 'component api: major_outage (set by hand until cleared)\n',
      err: '',
    });
    expect((await cli('status')).out).toMatch(/\nAPI\s+major_outage\n/);
    expect(await cli('component', 'clear', 'api')).toEqual({
      code: 0,
      out: 'component api: operational (from its monitors and pools)\n',
      err: '',
    });
    expect((await cli('status')).out).toMatch(/\nAPI\s+operational\n/);
    const unknown = await cli('component', 'set', 'web', 'major_outage');
    expect(unknown).toMatchObject({ code: 1, out: '' });
    expect(unknown.err).toContain('cannot set component web: no component with id "web"');
  });

  it('every write without BULWARK_ADMIN_TOKEN is refused with a hint at the token (exit 1)', async () => {
    const id = hostOf(upstreams[0]!);
    for (const [argv, what] of [
      [['endpoint', 'drain', 'api', id], `cannot drain api/${id}`],
      [['endpoint', 'weight', 'api', id, '3'], `cannot set the weight of api/${id}`],
      [['monitors', 'pause', 'docs'], 'cannot pause monitor docs'],
      [['alerts', 'ack', '0000000000000000'], 'cannot acknowledge alert 0000000000000000'],
      [['component', 'set', 'api', 'major_outage'], 'cannot set component api'],
    ] as const) {
      expect(await cliWithoutToken(...argv)).toEqual({
        code: 1,
        out: '',
        err: `bulwark: ${what}: this request needs an Authorization: Bearer <token> header; set BULWARK_ADMIN_TOKEN to one of admin.tokens\n`,
      });
    }
    expect((await cli('pools')).out).toMatch(new RegExp(`api\\s+${id}\\s+ready\\s`));
  });

  it('bulwark config status shows the live config, and exits 1 once a reload failed', async () => {
    const ok = await cli('config', 'status');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(new RegExp(`^file\\s+${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
    expect(ok.out).toMatch(/\ngeneration\s+1\n/);
    expect(ok.out).toMatch(/\nlast reload\s+none\n/);
    await writeFile(file, `${config}\nroutes: [{ pool: api }]\n`);
    expect((await bulwark.reload()).ok).toBe(false);
    const failed = await cli('config', 'status');
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/\nlast reload\s+FAILED at \S+Z\n\n/);
    const addedLine = config.split('\n').length + 1;
    expect(failed.out).toContain(`${file}:${addedLine}:1 routes: duplicate key "routes"`);
    await writeFile(file, config);
    expect((await bulwark.reload()).ok).toBe(true);
    const again = await cli('config', 'status');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/\ngeneration\s+2\n[^]*\nlast reload\s+ok at \S+Z\n$/);
  });

  it('names the address when no Bulwark answers there (exit 1)', async () => {
    const port = await freePort();
    for (const command of [['pools'], ['alerts'], ['config', 'status'], ['endpoint', 'ready', 'api', 'x:1']])
      expect(await runCliWithEnv(withToken, ...command, '--admin', `127.0.0.1:${port}`)).toEqual({
        code: 1,
        out: '',
        err: `bulwark: cannot reach the admin API at http://127.0.0.1:${port}: ECONNREFUSED\n`,
      });
  });
});
