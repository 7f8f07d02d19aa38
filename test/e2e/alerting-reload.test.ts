import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../support/recording-receiver.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';
import { startFromFile } from '../support/config-file.ts';

interface WebhookBody {
  readonly status: string;
  readonly notification_reason: string;
  readonly alerts: readonly { readonly fingerprint: string; readonly status: string }[];
}

/**
 * A reload builds a new pipeline and dispatcher and swaps them in. What must hold across the swap: a standing
 * alert is not announced again to a receiver that already heard of it, a receiver added by the reload hears
 * of it once, and its resolution reaches both.
 */
describe('alerting across a config reload', () => {
  let dir: string;
  let file: string;
  let upstream: TestUpstream;
  let receiver: RecordingReceiver;
  let isHealthy = true;
  let bulwark: RunningBulwark;
  const bodiesAt = (path: string) =>
    receiver.requests.filter((r) => r.url === path).map((r) => JSON.parse(r.body) as WebhookBody);
  const configWith = (notifiers: readonly string[]) =>
    [
      'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
      `data_dir: ${join(dir, 'data')}`,
      `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
      'routes: [{ pool: api }]',
      'monitors:',
      `  - { name: Upstream API, url: "${upstream.url}/healthz", type: http, interval: 200ms, timeout: 150ms,`,
      '      failure_threshold: 2, success_threshold: 1, labels: { component: API } }',
      'alerting:',
      '  defaults: { group_wait: 300ms, group_interval: 1m, repeat_interval: 4h }',
      `  routes: [{ notify: [${notifiers.join(', ')}] }]`,
      '  notifiers:',
      ...notifiers.map((name) => `    ${name}: { type: webhook, url: "${receiver.url}/${name}" }`),
    ].join('\n');

  beforeAll(async () => {
    upstream = await startTestUpstream((_req, res) => res.writeHead(isHealthy ? 200 : 503).end());
    receiver = await startRecordingReceiver();
    dir = await mkdtemp(join(tmpdir(), 'bulwark-alerting-reload-'));
    file = join(dir, 'bulwark.yaml');
    await writeFile(file, configWith(['first']));
    bulwark = await startFromFile(file, { configPath: file, watch: false });
  });

  afterAll(async () => {
    await bulwark.stop();
    await Promise.all([upstream.close(), receiver.close()]);
  });

  it('tells a receiver added by the reload once, repeats nothing to the old one, and resolves to both', async () => {
    isHealthy = false;
    await eventually(() => bodiesAt('/first').length === 1, 10_000, 'the firing notice');
    const [firing] = bodiesAt('/first');
    expect(firing).toMatchObject({ status: 'firing', notification_reason: 'first' });

    await writeFile(file, configWith(['first', 'second']));
    expect(await bulwark.reload()).toMatchObject({ ok: true, generation: 2 });
    await eventually(() => bodiesAt('/second').length === 1, 10_000, 'the new receiver');
    expect(bodiesAt('/second')[0]).toMatchObject({ status: 'firing', notification_reason: 'first' });
    expect(bodiesAt('/second')[0]?.alerts[0]?.fingerprint).toBe(firing?.alerts[0]?.fingerprint);

    isHealthy = true;
    await eventually(
      () => bodiesAt('/first').length === 2 && bodiesAt('/second').length === 2,
      10_000,
      'the resolution to both',
    );
    expect(bodiesAt('/first').map((b) => b.status)).toEqual(['firing', 'resolved']);
    expect(bodiesAt('/second').map((b) => b.status)).toEqual(['firing', 'resolved']);
  });
});
