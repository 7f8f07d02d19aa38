import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { adminJson } from '../support/admin-json.ts';
import { startFromFile, writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../support/recording-receiver.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

const adminToken = 'status-pause-token-0123456789';

interface AlertView {
  readonly labels: Record<string, string>;
  readonly startsAt: string;
}

describe('pausing a monitor whose target is down', () => {
  let dir: string;
  let upstream: TestUpstream;
  let receiver: RecordingReceiver;
  let isHealthy = true;
  let bulwark: RunningBulwark;
  const admin = adminJson(() => bulwark.adminUrl, adminToken);
  const componentStatus = async (id: string): Promise<string | undefined> => {
    const res = await fetch(`${bulwark.statusUrl}/api/v2/components.json`);
    const { components } = (await res.json()) as { components: { id: string; status: string }[] };
    return components.find((c) => c.id === id)?.status;
  };
  const downAlerts = async (): Promise<AlertView[]> =>
    (await admin<{ alerts: AlertView[] }>('GET', '/api/v1/alerts')).body.alerts.filter(
      (a) => a.labels['alertname'] === 'monitor-down',
    );
  const notified = () => receiver.requests.map((r) => (JSON.parse(r.body) as { status: string }).status);

  beforeAll(async () => {
    upstream = await startTestUpstream((_req, res) => res.writeHead(isHealthy ? 200 : 503).end());
    receiver = await startRecordingReceiver();
    let file: string;
    ({ dir, file } = await writeTempConfig('bulwark-status-pause-', (dir) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
        `admin: { tokens: ["${adminToken}"] }`,
        `data_dir: ${join(dir, 'data')}`,
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes: [{ pool: api }]',
        'monitors:',
        `  - { name: Flip, url: "${upstream.url}/flip", type: http, interval: 200ms, timeout: 150ms, failure_threshold: 1, success_threshold: 1 }`,
        'alerting:',
        '  defaults: { group_wait: 100ms, group_interval: 1m }',
        '  routes: [{ notify: [hooks] }]',
        `  notifiers: { hooks: { type: webhook, url: "${receiver.url}/hook" } }`,
        'status_page:',
        '  title: Acme',
        '  components:',
        '    - { name: API, from: { monitors: [flip] } }',
        '    - { name: Docs }',
      ].join('\n'),
    ));
    bulwark = await startFromFile(file);
  });

  afterAll(async () => {
    await bulwark.stop();
    await Promise.all([upstream.close(), receiver.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('claims no recovery: the alert stays firing, the component keeps its outage, one resolution at the end', async () => {
    isHealthy = false;
    await receiver.waitForRequests(1, 10_000);
    await eventually(async () => (await componentStatus('api')) === 'major_outage', 10_000, 'API down');
    const [firing] = await downAlerts();
    if (!firing) throw new Error('no monitor-down alert');

    expect((await admin('POST', '/api/v1/monitors/flip/pause')).status).toBe(200);
    expect((await downAlerts()).map((a) => a.startsAt)).toEqual([firing.startsAt]);
    // A change that the admin API answers only once the page shows it: the pause's effect is on it by then.
    const docs = await admin('PATCH', '/api/v1/components/docs', {
      component: { status: 'degraded_performance' },
    });
    expect(docs.status).toBe(200);
    expect(await componentStatus('api')).toBe('major_outage');

    // Resumed with the target still down: the same episode, from when it began.
    expect((await admin('POST', '/api/v1/monitors/flip/resume')).status).toBe(200);
    expect((await downAlerts()).map((a) => a.startsAt)).toEqual([firing.startsAt]);

    isHealthy = true;
    await eventually(() => notified().includes('resolved'), 10_000, 'the resolution');
    await eventually(async () => (await componentStatus('api')) === 'operational', 10_000, 'API up');
    expect(notified()).toEqual(['firing', 'resolved']);
  });
});
