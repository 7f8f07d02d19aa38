import { writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { createLogger } from '../../src/observability/index.ts';
import { startFromFile, writeTempConfig } from '../support/config-file.ts';
import { startTestUpstream } from '../support/test-upstream.ts';

let bulwark: RunningBulwark | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  await bulwark?.stop();
  bulwark = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// A reload reads process.env, as `bulwark start` does: the keys are put there for the test only.
const secrets = {
  BULWARK_TEST_PROVIDER_KEY: 'sk-live-provider-key-7f3a9c',
  // A key read from a file often keeps its newline, which no header value may hold.
  BULWARK_TEST_BROKEN_KEY: 'sk-live-broken-key-41d2e8\n',
};
const literalSecret = 'sk-live-literal-key-90b7c1';

function setEnv(): void {
  for (const [name, value] of Object.entries(secrets)) process.env[name] = value;
  cleanups.push(() => {
    for (const name of Object.keys(secrets)) delete process.env[name];
  });
}

function configText(upstreamUrl: string, extraSet: readonly string[] = []): string {
  return [
    'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
    'logging: { level: debug }',
    `pools: { llm: { endpoints: [{ url: "${upstreamUrl}" }] } }`,
    'routes:',
    '  - pool: llm',
    '    upstream_host: endpoint',
    '    request_headers:',
    '      set:',
    '        authorization: "Bearer ${BULWARK_TEST_PROVIDER_KEY}"',
    ...extraSet.map((line) => `        ${line}`),
  ].join('\n');
}

describe('request_headers.set values', () => {
  it('appear in no log line, reload error, config status or metrics, though the upstream gets them', async () => {
    setEnv();
    const seen: IncomingHttpHeaders[] = [];
    const upstream = await startTestUpstream((req, res) => {
      seen.push(req.headers);
      res.end('ok');
    });
    cleanups.push(() => upstream.close());
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (line) => void lines.push(line) } });
    const { file } = await writeTempConfig('bulwark-headers-', () => configText(upstream.url));
    bulwark = await startFromFile(file, { configPath: file, watch: false, logger });

    const response = await request(`${bulwark.gatewayUrl}/v1/chat`);
    expect(response.statusCode, await response.body.text()).toBe(200);
    expect(seen[0]?.authorization).toBe(`Bearer ${secrets.BULWARK_TEST_PROVIDER_KEY}`);

    // Refused: both values are invalid, and the errors must say where without saying what.
    const broken = [`x-api-key: "${literalSecret}\\x01"`, 'x-env-key: "${BULWARK_TEST_BROKEN_KEY}"'];
    await writeFile(file, configText(upstream.url, broken));
    const refused = await bulwark.reload();
    expect(refused.ok).toBe(false);
    const status = await (await request(`${bulwark.adminUrl}/api/v1/config/status`)).body.text();
    expect(status).toContain('request_headers.set.x-api-key');
    expect(status).toContain('request_headers.set.x-env-key');

    await writeFile(file, configText(upstream.url, ['x-extra: "1"']));
    expect((await bulwark.reload()).ok).toBe(true);
    // The safety net for a route spec logged whole.
    bulwark.logger.info({ route: { requestHeaders: { set: [['authorization', literalSecret]] } } }, 'route');
    const metrics = await (await request(`${bulwark.adminUrl}/metrics`)).body.text();

    const log = lines.join('');
    expect(log).toContain('config-reload-failed');
    expect(log).toContain('config-reloaded');
    for (const shown of [log, status, metrics]) {
      for (const secret of [...Object.values(secrets), literalSecret])
        expect(shown).not.toContain(secret.trim());
    }
  });
});
