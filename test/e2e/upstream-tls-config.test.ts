import { copyFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { createLogger } from '../../src/observability/index.ts';
import type { PoolView } from '../../src/services/index.ts';
import { runCliCaptured } from '../support/cli-run.ts';
import { startFromFile, writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startHttpsUpstream } from '../support/https-upstream.ts';
import { makePrivateCa } from '../support/private-ca.ts';

// pools.NAME.tls off the request path: the health check, the files read at load (and again at reload),
// and what an operator is told: config errors with their line, a warning for verify: false, no key shown.

let bulwark: RunningBulwark | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
const logLines: string[] = [];

afterEach(async () => {
  await bulwark?.stop();
  bulwark = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  logLines.length = 0;
});

/** A CA and an https upstream on 127.0.0.1 certified by it; `requestCert` asks for a client certificate. */
async function privateUpstream(options: { requestCert?: boolean } = {}) {
  const ca = await makePrivateCa();
  cleanups.push(() => ca.remove());
  const leaf = await ca.issue('localhost', { subjectAltNames: ['IP:127.0.0.1'] });
  const isMutual = options.requestCert === true;
  const target = await startHttpsUpstream({
    cert: leaf.certPem,
    key: leaf.keyPem,
    ...(isMutual ? { ca: ca.caPem, requestCert: true, rejectUnauthorized: true } : {}),
  });
  cleanups.push(() => target.close());
  return { ca, target, url: `https://127.0.0.1:${target.port}` };
}

async function writeConfig(text: string): Promise<{ dir: string; file: string }> {
  const written = await writeTempConfig('bulwark-upstream-tls-', () => text);
  cleanups.push(() => rm(written.dir, { recursive: true, force: true }));
  return written;
}

function configText(pools: string): string {
  return [
    'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
    'pools:',
    pools,
    'routes:',
    '  - match: { path_prefix: / }',
    '    pool: api',
    '',
  ].join('\n');
}

async function start(file: string): Promise<RunningBulwark> {
  const destination = { write: (line: string) => void logLines.push(line) };
  const logger = createLogger({ level: 'info', destination });
  bulwark = await startFromFile(file, { logger, configPath: file, watch: false });
  return bulwark;
}

async function pools(): Promise<{ text: string; views: PoolView[] }> {
  const response = await request(`${bulwark!.adminUrl}/api/v1/pools`);
  const text = await response.body.text();
  return { text, views: (JSON.parse(text) as { pools: PoolView[] }).pools };
}

async function statusOf(path: string): Promise<number> {
  const response = await request(`${bulwark!.gatewayUrl}${path}`);
  await response.body.dump();
  return response.statusCode;
}

describe('pools.NAME.tls beyond the request path', () => {
  it('the health check uses the pool TLS: an endpoint with a private CA is healthy only with ca_file', async () => {
    const { ca, target, url } = await privateUpstream();
    const check = '{ path: /healthz, interval: 20ms, unhealthy_threshold: 1, healthy_threshold: 1 }';
    const { file } = await writeConfig(
      configText(
        [
          `  api: { endpoints: [{ url: "${url}" }], health_check: ${check}, tls: { ca_file: ${ca.caPath} } }`,
          `  bare: { endpoints: [{ url: "${url}" }], health_check: ${check} }`,
        ].join('\n'),
      ),
    );
    await start(file);
    const isHealthy = async (name: string) =>
      (await pools()).views.find((pool) => pool.name === name)!.endpoints[0]!;

    await eventually(async () => (await isHealthy('bare')).isHealthy === false, 5_000, 'bare pool down');
    expect((await isHealthy('bare')).lastCheckFailure).toMatch(/certificate/i);
    // Only a check that completed its handshake reaches the upstream's handler: the bare pool's never do.
    const checks = () => target.seen.filter((seen) => seen.path === '/healthz').length;
    await eventually(() => checks() >= 2, 5_000, 'two checks through the pool CA');
    expect(await isHealthy('api')).toMatchObject({ isHealthy: true, lastCheckFailure: null });
  });

  it('a missing ca_file: validate and start exit 2 naming the config file, the YAML path and its line', async () => {
    const { file } = await writeConfig(
      configText(
        [
          '  api:',
          '    endpoints: [{ url: "https://127.0.0.1:9443" }]',
          '    tls:',
          `      ca_file: ${join('/nonexistent', 'ca.pem')}`,
        ].join('\n'),
      ),
    );
    for (const command of ['validate', 'start']) {
      const result = await runCliCaptured(command, '-c', file);
      expect(result.code, command).toBe(2);
      expect(result.err).toContain(
        `${file}:6:16 pools.api.tls.ca_file: cannot read /nonexistent/ca.pem (file not found)`,
      );
    }
  });

  it('refuses tls on a pool whose endpoints are all http://', async () => {
    const { file } = await writeConfig(
      configText('  api: { endpoints: [{ url: "http://127.0.0.1:9001" }], tls: { verify: false } }'),
    );
    const result = await runCliCaptured('validate', '-c', file);
    expect(result.code).toBe(2);
    expect(result.err).toContain('pools.api.tls: tls applies to https:// endpoints');
  });

  it('a reload reads the files again: a rotated CA file takes effect, a broken one keeps the old config', async () => {
    const { ca, url } = await privateUpstream();
    const other = await makePrivateCa();
    cleanups.push(() => other.remove());
    const { dir, file } = await writeConfig('');
    const caFile = join(dir, 'pool-ca.pem');
    await copyFile(other.caPath, caFile);
    await writeFile(
      file,
      configText(`  api: { endpoints: [{ url: "${url}" }], tls: { ca_file: ${caFile} } }`),
    );
    await start(file);
    expect(await statusOf('/')).toBe(502);

    await copyFile(ca.caPath, caFile);
    expect(await bulwark!.reload()).toMatchObject({ ok: true, generation: 2 });
    expect(await statusOf('/')).toBe(200);

    await writeFile(caFile, 'not a certificate\n');
    const outcome = await bulwark!.reload();
    expect(outcome).toMatchObject({ ok: false });
    expect(outcome.ok ? '' : outcome.error).toContain('pools.api.tls.ca_file');
    expect(bulwark!.configStatus()).toMatchObject({ generation: 2, lastReload: { ok: false } });
    expect(await statusOf('/')).toBe(200);
  });

  it('never shows key material: not in GET /api/v1/pools, the logs or a config error', async () => {
    const { ca, url } = await privateUpstream({ requestCert: true });
    const client = await ca.issue('bulwark-gateway', 'client');
    const other = await ca.issue('other', 'client');
    const tls = `{ ca_file: ${ca.caPath}, cert_file: ${client.certPath}, key_file: ${client.keyPath} }`;
    const { file } = await writeConfig(configText(`  api: { endpoints: [{ url: "${url}" }], tls: ${tls} }`));
    await start(file);
    expect(await statusOf('/')).toBe(200);

    // A key that does not match its certificate: refused, and the error names files, not their bytes.
    const mismatched = `{ ca_file: ${ca.caPath}, cert_file: ${client.certPath}, key_file: ${other.keyPath} }`;
    await writeFile(file, configText(`  api: { endpoints: [{ url: "${url}" }], tls: ${mismatched} }`));
    const outcome = await bulwark!.reload();
    expect(outcome.ok ? '' : outcome.error).toContain('pools.api.tls.cert_file');
    const shown = [(await pools()).text, logLines.join('\n'), outcome.ok ? '' : outcome.error].join('\n');
    expect(shown).toContain('config reload failed');
    const keyBody = (pem: string) => pem.split('\n')[1]!;
    for (const pem of [client.keyPem, other.keyPem]) expect(shown).not.toContain(keyBody(pem));
    expect(shown).not.toContain('PRIVATE KEY');
  });

  it('warns once per load for each pool that sets verify: false', async () => {
    const { url } = await privateUpstream();
    const { file } = await writeConfig(
      configText(`  api: { endpoints: [{ url: "${url}" }], tls: { verify: false } }`),
    );
    await start(file);
    const warnings = () => logLines.filter((line) => line.includes('"upstream-tls-unverified"'));
    expect(warnings()).toHaveLength(1);
    expect(JSON.parse(warnings()[0]!)).toMatchObject({ level: 'warn', pools: ['api'] });
    expect(await statusOf('/')).toBe(200);

    expect(await bulwark!.reload()).toMatchObject({ ok: true });
    expect(warnings()).toHaveLength(2);
  });
});
