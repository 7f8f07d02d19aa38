import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminJson } from '../support/admin-json.ts';
import { startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../support/recording-receiver.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

const adminToken = 'maintenance-restart-token-0123456789';
const hourMs = 3_600_000;

interface AlertView {
  readonly labels: Record<string, string>;
  readonly startsAt: string;
  readonly suppressedBy: { readonly by: string } | null;
}

interface MonitorView {
  readonly state: string;
  readonly last_result: { readonly at: string; readonly verdict: string } | null;
}

describe('a monitor down under a maintenance window, and Bulwark restarted during the window', () => {
  let dir: string;
  let file: string;
  let upstream: TestUpstream;
  let receiver: RecordingReceiver;
  let isHealthy = false;
  let bulwark: BulwarkProcess;
  const admin = adminJson(() => bulwark.adminUrl, adminToken);
  const downAlerts = async (): Promise<AlertView[]> =>
    (await admin<{ alerts: AlertView[] }>('GET', '/api/v1/alerts')).body.alerts.filter(
      (a) => a.labels['alertname'] === 'monitor-down',
    );
  const monitor = async (): Promise<MonitorView> =>
    (await admin<MonitorView>('GET', '/api/v1/monitors/flip')).body;
  const told = () =>
    receiver.requests.map((r) => {
      const body = JSON.parse(r.body) as { status: string; alerts: { startsAt: string }[] };
      return { status: body.status, startsAt: body.alerts.map((a) => a.startsAt) };
    });

  beforeAll(async () => {
    upstream = await startTestUpstream((_req, res) => res.writeHead(isHealthy ? 200 : 503).end());
    receiver = await startRecordingReceiver();
    ({ dir, file } = await writeTempConfig('bulwark-maintenance-restart-', (dir) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
        `admin: { tokens: ["${adminToken}"] }`,
        `data_dir: ${join(dir, 'data')}`,
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes: [{ pool: api }]',
        'monitors:',
        // A generous timeout: on a busy machine a check timing out is a failure the test does not mean.
        `  - { name: Flip, url: "${upstream.url}/flip", type: http, interval: 1s, timeout: 900ms, failure_threshold: 1, success_threshold: 1 }`,
        'alerting:',
        '  defaults: { group_wait: 100ms, group_interval: 300ms }',
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

  it('raises its alert again, muted with the start receivers were told, and tells its recovery when the window ends', async () => {
    await receiver.waitForRequests(1, 15_000);
    const [firing] = await downAlerts();
    if (!firing) throw new Error('no monitor-down alert');
    expect(told()).toEqual([{ status: 'firing', startsAt: [firing.startsAt] }]);
    const created = await admin<{ id: string }>('POST', '/api/v1/scheduled-maintenances', {
      scheduled_maintenance: {
        name: 'Database upgrade',
        component_ids: ['api'],
        scheduled_for: new Date(Date.now() - 1_000).toISOString(),
        scheduled_until: new Date(Date.now() + hourMs).toISOString(),
      },
    });
    expect(created.status).toBe(201);
    await eventually(
      async () => (await monitor()).state === 'maintenance',
      15_000,
      'the monitor in maintenance',
    );

    bulwark.child.kill('SIGTERM');
    expect(await bulwark.exited()).toBe(0);
    bulwark = await startBulwarkProcess(file);
    await eventually(async () => (await monitor()).state === 'maintenance', 15_000, 'maintenance again');
    // Re-created by what the monitor says, not left for the grace period to resolve: the same episode, muted.
    await eventually(
      async () => (await downAlerts()).some((a) => a.startsAt === firing.startsAt),
      15_000,
      'the monitor-down alert re-created',
    );
    expect(await downAlerts()).toMatchObject([
      { startsAt: firing.startsAt, suppressedBy: { by: 'maintenance' } },
    ]);

    // Recovered during the window: its checks say so, and the resolution waits for the window's end.
    isHealthy = true;
    const recoveredMs = Date.now();
    await eventually(
      async () => {
        const last = (await monitor()).last_result;
        return last !== null && Date.parse(last.at) > recoveredMs && last.verdict === 'up';
      },
      15_000,
      'a passing check in maintenance',
    );
    expect((await downAlerts()).map((a) => a.startsAt)).toEqual([firing.startsAt]);
    expect(told()).toEqual([{ status: 'firing', startsAt: [firing.startsAt] }]);

    // Cancelling a window under way completes it now.
    expect((await admin('DELETE', `/api/v1/scheduled-maintenances/${created.body.id}`)).status).toBe(200);
    await eventually(() => told().length === 2, 15_000, 'the resolution after the window');
    expect(told()[1]).toEqual({ status: 'resolved', startsAt: [firing.startsAt] });
  });
});
