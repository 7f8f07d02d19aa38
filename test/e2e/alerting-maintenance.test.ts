import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { adminJson } from '../support/admin-json.ts';
import { startFromFile, writeTempConfig } from '../support/config-file.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../support/recording-receiver.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

const adminToken = 'alerting-maintenance-token-0123456789';
const hourMs = 3_600_000;
const groupIntervalMs = 300;

interface AlertView {
  readonly labels: Record<string, string>;
  readonly startsAt: string;
  readonly suppressedBy: { readonly by: string } | null;
}

interface Told {
  readonly status: string;
  readonly startsAt: readonly string[];
}

describe('a maintenance window opened over a monitor that is down and was notified', () => {
  let dir: string;
  let upstream: TestUpstream;
  let receiver: RecordingReceiver;
  let isHealthy = true;
  let bulwark: RunningBulwark;
  const admin = adminJson(() => bulwark.adminUrl, adminToken);
  const downAlerts = async (): Promise<AlertView[]> =>
    (await admin<{ alerts: AlertView[] }>('GET', '/api/v1/alerts')).body.alerts.filter(
      (a) => a.labels['alertname'] === 'monitor-down',
    );
  /**
   * What the receiver was told of outages that began from `sinceMs` on: the tests share one receiver, and a
   * check timing out while Bulwark starts in this process is an outage of its own.
   */
  let sinceMs = 0;
  const told = (): Told[] =>
    receiver.requests
      .map((r) => {
        const body = JSON.parse(r.body) as { status: string; alerts: { startsAt: string }[] };
        return { status: body.status, startsAt: body.alerts.map((a) => a.startsAt) };
      })
      .filter((t) => t.startsAt.every((at) => Date.parse(at) >= sinceMs));
  /** A check result after `afterMs` with this verdict: the monitor keeps checking in maintenance. */
  const checkedAfter = async (afterMs: number, verdict: string): Promise<boolean> => {
    const { last_result: last } = (
      await admin<{ last_result: { at: string; verdict: string } | null }>('GET', '/api/v1/monitors/flip')
    ).body;
    return last !== null && Date.parse(last.at) > afterMs && last.verdict === verdict;
  };
  const monitorState = async (): Promise<string> =>
    (await admin<{ state: string }>('GET', '/api/v1/monitors/flip')).body.state;

  /** Opens a window over the API component now; resolves once the monitor is in maintenance. */
  const openWindow = async (): Promise<string> => {
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
      async () => (await monitorState()) === 'maintenance',
      10_000,
      'the monitor in maintenance',
    );
    return created.body.id;
  };
  const closeWindow = async (id: string): Promise<void> => {
    // Cancelling a window under way completes it now (200, the completed window).
    expect((await admin('DELETE', `/api/v1/scheduled-maintenances/${id}`)).status).toBe(200);
  };

  /** An up monitor goes down and receivers are told it fires; the alert's start. */
  const notifiedDown = async (): Promise<string> => {
    await eventually(async () => (await monitorState()) === 'up', 10_000, 'the monitor up');
    sinceMs = Date.now();
    isHealthy = false;
    await eventually(() => told().length === 1, 10_000, 'the firing notification');
    const [firing] = await downAlerts();
    if (!firing) throw new Error('no monitor-down alert');
    expect(told()).toEqual([{ status: 'firing', startsAt: [firing.startsAt] }]);
    return firing.startsAt;
  };

  beforeAll(async () => {
    upstream = await startTestUpstream((_req, res) => res.writeHead(isHealthy ? 200 : 503).end());
    receiver = await startRecordingReceiver();
    let file: string;
    ({ dir, file } = await writeTempConfig('bulwark-alerting-maintenance-', (dir) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
        `admin: { tokens: ["${adminToken}"] }`,
        `data_dir: ${join(dir, 'data')}`,
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes: [{ pool: api }]',
        'monitors:',
        // Two failures to go down: one check timing out on a busy machine is no outage the tests mean.
        `  - { name: Flip, url: "${upstream.url}/flip", type: http, interval: 200ms, timeout: 150ms, failure_threshold: 2, success_threshold: 1 }`,
        'alerting:',
        `  defaults: { group_wait: 100ms, group_interval: ${groupIntervalMs}ms }`,
        '  routes: [{ notify: [hooks] }]',
        `  notifiers: { hooks: { type: webhook, url: "${receiver.url}/hook" } }`,
        'status_page:',
        '  title: Acme',
        '  components:',
        '    - { name: API, from: { monitors: [flip] } }',
      ].join('\n'),
    ));
    bulwark = await startFromFile(file);
  });

  afterAll(async () => {
    await bulwark.stop();
    await Promise.all([upstream.close(), receiver.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('mutes it without a "resolved", and tells it again as firing when the window ends with the target still down', async () => {
    const startsAt = await notifiedDown();

    const window = await openWindow();
    // Still failing in maintenance, a few group ticks later: the muting is in the notification log, which is
    // what sends the alert again once it ends (as after a silence).
    const tickedMs = Date.now() + 3 * groupIntervalMs;
    await eventually(() => checkedAfter(tickedMs, 'down'), 10_000, 'failing checks in maintenance');
    expect(told()).toEqual([{ status: 'firing', startsAt: [startsAt] }]);
    const [muted] = await downAlerts();
    expect(muted).toMatchObject({ startsAt, suppressedBy: { by: 'maintenance' } });

    await closeWindow(window);
    await eventually(() => told().length === 2, 10_000, 'the notification after the window');
    expect(told()[1]).toEqual({ status: 'firing', startsAt: [startsAt] });

    isHealthy = true;
    await eventually(() => told().length === 3, 10_000, 'the resolution');
    expect(told()[2]).toEqual({ status: 'resolved', startsAt: [startsAt] });
  });

  it('sends the resolution it owes when the window ends, for a target that recovered during the window', async () => {
    const startsAt = await notifiedDown();
    const window = await openWindow();
    isHealthy = true;
    const recoveredMs = Date.now();
    await eventually(() => checkedAfter(recoveredMs, 'up'), 10_000, 'a passing check in maintenance');
    const [muted] = await downAlerts();
    expect(muted).toMatchObject({ startsAt, suppressedBy: { by: 'maintenance' } });
    expect(told()).toEqual([{ status: 'firing', startsAt: [startsAt] }]);

    await closeWindow(window);
    await eventually(() => told().length === 2, 10_000, 'the resolution after the window');
    expect(told()[1]).toEqual({ status: 'resolved', startsAt: [startsAt] });
    expect(await downAlerts()).toEqual([]);
  });
});

describe('a monitor down from its first check, under a maintenance window in force before the start', () => {
  let dir: string;
  let upstream: TestUpstream;
  let receiver: RecordingReceiver;
  let bulwark: RunningBulwark;
  const admin = adminJson(() => bulwark.adminUrl, adminToken);

  beforeAll(async () => {
    upstream = await startTestUpstream((_req, res) => res.writeHead(503).end());
    receiver = await startRecordingReceiver();
    let file: string;
    ({ dir, file } = await writeTempConfig('bulwark-alerting-maintenance-start-', (dir) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
        `admin: { tokens: ["${adminToken}"] }`,
        `data_dir: ${join(dir, 'data')}`,
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes: [{ pool: api }]',
        'monitors:',
        `  - { name: Flip, url: "${upstream.url}/flip", type: http, interval: 200ms, timeout: 150ms, failure_threshold: 1, success_threshold: 1 }`,
        'alerting:',
        `  defaults: { group_wait: 1s, group_interval: ${groupIntervalMs}ms }`,
        '  routes: [{ notify: [hooks] }]',
        `  notifiers: { hooks: { type: webhook, url: "${receiver.url}/hook" } }`,
        'status_page:',
        '  title: Acme',
        '  components:',
        '    - { name: API, from: { monitors: [flip] } }',
        // Every day, all day: the day's occurrence began at midnight, before this start.
        '  maintenance: [{ name: Daily, cron: "0 0 * * *", duration: 24h, components: [api] }]',
      ].join('\n'),
    ));
    bulwark = await startFromFile(file);
  });

  afterAll(async () => {
    await bulwark.stop();
    await Promise.all([upstream.close(), receiver.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('is not notified during the start, and is once the window ends with the target still down', async () => {
    const alerts = async () =>
      (await admin<{ alerts: AlertView[] }>('GET', '/api/v1/alerts')).body.alerts.filter(
        (a) => a.labels['alertname'] === 'monitor-down',
      );
    const maintenances = async () =>
      (
        await admin<{ scheduled_maintenances: { id: string; status: string }[] }>(
          'GET',
          '/api/v1/scheduled-maintenances',
        )
      ).body.scheduled_maintenances;
    let running: { id: string } | undefined;
    await eventually(
      async () => (running = (await maintenances()).find((m) => m.status === 'in_progress')) !== undefined,
      10_000,
      'the window in progress',
    );
    let firing: AlertView | undefined;
    await eventually(async () => ([firing] = await alerts()).length > 0, 10_000, 'the monitor-down alert');
    // Past its group_wait and a few group ticks after the page started, still failing: any notification
    // would have gone out by now.
    const quietUntilMs =
      Math.max(Date.parse(firing?.startsAt ?? ''), Date.now()) + 1_000 + 3 * groupIntervalMs;
    await eventually(
      async () => {
        const { last_result: last } = (
          await admin<{ last_result: { at: string } | null }>('GET', '/api/v1/monitors/flip')
        ).body;
        return last !== null && Date.parse(last.at) > quietUntilMs;
      },
      10_000,
      'checks past group_wait',
    );
    expect(receiver.requests).toEqual([]);

    expect((await admin('DELETE', `/api/v1/scheduled-maintenances/${running?.id}`)).status).toBe(200);
    await receiver.waitForRequests(1, 10_000);
    const told = JSON.parse(receiver.requests[0]?.body ?? '{}') as { status: string; alerts: AlertView[] };
    expect(told.status).toBe('firing');
    expect(told.alerts.map((a) => a.labels['monitor'])).toEqual(['flip']);
  });
});
