import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminJson } from '../support/admin-json.ts';
import { startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../support/recording-receiver.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

const adminToken = 'pause-restart-token-0123456789';

interface AlertView {
  readonly labels: Record<string, string>;
  readonly startsAt: string;
}

describe('a monitor paused while its target is down, and Bulwark restarted', () => {
  let dir: string;
  let file: string;
  let upstream: TestUpstream;
  let receiver: RecordingReceiver;
  let isHealthy = false;
  let bulwark: BulwarkProcess;
  const admin = adminJson(() => bulwark.adminUrl, adminToken);
  const componentStatus = async (id: string): Promise<string | undefined> => {
    const res = await fetch(`${bulwark.statusUrl}/api/v2/components.json`);
    const { components } = (await res.json()) as { components: { id: string; status: string }[] };
    return components.find((c) => c.id === id)?.status;
  };
  const downAlertStarts = async (): Promise<string[]> =>
    (await admin<{ alerts: AlertView[] }>('GET', '/api/v1/alerts')).body.alerts
      .filter((a) => a.labels['alertname'] === 'monitor-down')
      .map((a) => a.startsAt);
  const monitor = async () =>
    (await admin<{ state: string; last_result?: { at: string } }>('GET', '/api/v1/monitors/flip')).body;
  const notified = () => receiver.requests.map((r) => (JSON.parse(r.body) as { status: string }).status);

  beforeAll(async () => {
    upstream = await startTestUpstream((_req, res) => res.writeHead(isHealthy ? 200 : 503).end());
    receiver = await startRecordingReceiver();
    ({ dir, file } = await writeTempConfig('bulwark-pause-restart-', (dir) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
        `admin: { tokens: ["${adminToken}"] }`,
        `data_dir: ${join(dir, 'data')}`,
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes: [{ pool: api }]',
        'monitors:',
        `  - { name: Flip, url: "${upstream.url}/flip", type: http, interval: 500ms, timeout: 450ms, failure_threshold: 1, success_threshold: 1 }`,
        'alerting:',
        '  defaults: { group_wait: 100ms, group_interval: 1m }',
        '  routes: [{ notify: [hooks] }]',
        `  notifiers: { hooks: { type: webhook, url: "${receiver.url}/hook" } }`,
        'status_page:',
        '  title: Acme',
        '  components:',
        '    - { name: API, from: { monitors: [flip] } }',
      ].join('\n'),
    ));
    bulwark = await startBulwarkProcess(file);
  });

  afterAll(async () => {
    bulwark.child.kill('SIGTERM');
    await bulwark.exited();
    await Promise.all([upstream.close(), receiver.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('shows and alerts after the restart what it did before, and the first check after resuming decides', async () => {
    await receiver.waitForRequests(1, 10_000);
    await eventually(async () => (await componentStatus('api')) === 'major_outage', 10_000, 'API down');
    const firingStarts = await downAlertStarts();
    expect(firingStarts).toHaveLength(1);
    expect((await admin('POST', '/api/v1/monitors/flip/pause')).status).toBe(200);

    bulwark.child.kill('SIGTERM');
    expect(await bulwark.exited()).toBe(0);
    bulwark = await startBulwarkProcess(file);
    expect((await monitor()).state).toBe('paused');
    // The page is built before Bulwark says it listens: from its first version, it shows the outage.
    expect(await componentStatus('api')).toBe('major_outage');
    // Re-created with the start receivers were told: the same episode, neither resolved nor paged again.
    await eventually(
      async () => (await downAlertStarts()).join() === firingStarts.join(),
      5_000,
      'the monitor-down alert re-created',
    );

    // Resumed with the target still down: its first check finds it down, the same episode goes on.
    const resumedAtMs = Date.now();
    expect((await admin('POST', '/api/v1/monitors/flip/resume')).status).toBe(200);
    await eventually(
      async () => Date.parse((await monitor()).last_result?.at ?? '') >= resumedAtMs,
      5_000,
      'a check after the resume',
    );
    expect((await monitor()).state).toBe('down');
    expect(await downAlertStarts()).toEqual(firingStarts);
    expect(await componentStatus('api')).toBe('major_outage');

    isHealthy = true;
    await eventually(() => notified().includes('resolved'), 10_000, 'the resolution');
    await eventually(async () => (await componentStatus('api')) === 'operational', 10_000, 'API up');
    expect(notified()).toEqual(['firing', 'resolved']);
  });
});
