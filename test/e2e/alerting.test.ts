import { createHmac } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { runCliWithEnv } from '../support/cli-run.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../support/recording-receiver.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

const adminToken = 'alerting-test-token-0123456789';
const hookSecret = 'a-long-webhook-signing-secret';

interface WebhookBody {
  readonly status: string;
  readonly notification_reason: string;
  readonly groupLabels: Record<string, string>;
  readonly alerts: readonly {
    readonly status: string;
    readonly labels: Record<string, string>;
    readonly fingerprint: string;
  }[];
}

describe('alerting in a running Bulwark: monitor → pipeline → outbox → signed webhook', () => {
  let dir: string;
  let upstream: TestUpstream;
  let receiver: RecordingReceiver;
  let isHealthy = true;
  // The silence test's own monitor: a third outage of the first one within minutes would make it flap.
  let isSilencedHealthy = true;
  let bulwark: BulwarkProcess;
  let file: string;
  const bodies = () => receiver.requests.map((r) => JSON.parse(r.body) as WebhookBody);
  const api = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${bulwark.adminUrl}${path}`, init);
    return { status: res.status, body: (await res.json()) as T };
  };
  const write = (method: string, body?: unknown): RequestInit => ({
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

  beforeAll(async () => {
    upstream = await startTestUpstream((req, res) => {
      const healthy = req.url?.startsWith('/silenced') === true ? isSilencedHealthy : isHealthy;
      res.writeHead(healthy ? 200 : 503);
      res.end();
    });
    receiver = await startRecordingReceiver();
    dir = await mkdtemp(join(tmpdir(), 'bulwark-alerting-'));
    file = join(dir, 'bulwark.yaml');
    await writeFile(
      file,
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        'logging: { level: warn }',
        `admin: { tokens: ["${adminToken}"] }`,
        `data_dir: ${join(dir, 'data')}`,
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes: [{ pool: api }]',
        'monitors:',
        `  - { name: Upstream API, url: "${upstream.url}/healthz", type: http, interval: 200ms, timeout: 150ms,`,
        '      failure_threshold: 2, success_threshold: 1, labels: { component: API } }',
        `  - { name: Silenced API, url: "${upstream.url}/silenced", type: http, interval: 200ms, timeout: 150ms,`,
        '      failure_threshold: 2, success_threshold: 1, labels: { component: Silenced } }',
        'alerting:',
        '  defaults: { group_wait: 500ms, group_interval: 1m, repeat_interval: 4h }',
        '  routes: [{ notify: [hooks] }]',
        `  notifiers: { hooks: { type: webhook, url: "${receiver.url}/bulwark", secret: "${hookSecret}" } }`,
      ].join('\n'),
    );
    bulwark = await startBulwarkProcess(file);
  });

  afterAll(async () => {
    bulwark.child.kill('SIGTERM');
    await bulwark.exited();
    await Promise.all([upstream.close(), receiver.close()]);
  });

  it('delivers a signed firing notification when the monitor goes down, and a prompt resolution', async () => {
    await eventually(async () => (await api<{ alerts: unknown[] }>('/api/v1/alerts')).status === 200);
    isHealthy = false;
    await receiver.waitForRequests(1, 10_000);
    const [firing] = bodies();
    expect(firing).toMatchObject({
      status: 'firing',
      notification_reason: 'first',
      groupLabels: { component: 'API' },
    });
    expect(firing?.alerts[0]?.labels).toMatchObject({
      alertname: 'monitor-down',
      monitor: 'upstream-api',
      severity: 'critical',
    });
    const request = receiver.requests[0]!;
    const id = String(request.headers['webhook-id']);
    const timestamp = String(request.headers['webhook-timestamp']);
    const expected = createHmac('sha256', hookSecret)
      .update(`${id}.${timestamp}.${request.body}`)
      .digest('base64');
    expect(request.headers['webhook-signature']).toBe(`v1,${expected}`);

    const alerts = (await api<{ alerts: { fingerprint: string; state: string }[] }>('/api/v1/alerts')).body
      .alerts;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.state).toBe('active');

    isHealthy = true;
    await receiver.waitForRequests(2, 10_000);
    expect(bodies()[1]).toMatchObject({ status: 'resolved', notification_reason: 'resolved' });
    await eventually(
      async () => (await api<{ alerts: unknown[] }>('/api/v1/alerts')).body.alerts.length === 0,
    );
    expect((await api('/api/v1/notifications')).status).toBe(401);
    const delivered = await api<{ notifications: { state: string }[] }>(
      '/api/v1/notifications?state=delivered',
      write('GET'),
    );
    expect(delivered.body.notifications.map((n) => n.state)).toEqual(['delivered', 'delivered']);
  });

  it('acknowledges a firing alert through the API; the ack shows until the alert resolves', async () => {
    isHealthy = false;
    await eventually(
      async () => (await api<{ alerts: unknown[] }>('/api/v1/alerts')).body.alerts.length === 1,
      10_000,
      'the alert to fire',
    );
    // Its firing notification first: a resolution inside group_wait would be reported as one brief alert.
    await receiver.waitForRequests(3, 10_000);
    const [alert] = (await api<{ alerts: { fingerprint: string }[] }>('/api/v1/alerts')).body.alerts;
    const acked = await api<{ acknowledged: { by: string } | null }>(
      `/api/v1/alerts/${alert?.fingerprint}/ack`,
      write('POST', { by: 'amy' }),
    );
    expect(acked.status).toBe(200);
    expect(acked.body.acknowledged?.by).toBe('amy');
    isHealthy = true;
    await eventually(
      async () => (await api<{ alerts: unknown[] }>('/api/v1/alerts')).body.alerts.length === 0,
      10_000,
    );
    await receiver.waitForRequests(4, 10_000);
    expect(
      bodies()
        .slice(2)
        .map((b) => b.status),
    ).toEqual(['firing', 'resolved']);
  });

  it('silences through the API: a silenced alert is not notified, and shows as suppressed', async () => {
    const created = await api<{ id: string; status: string }>(
      '/api/v1/silences',
      write('POST', {
        matchers: ['monitor=silenced-api'],
        duration: '1h',
        createdBy: 'test',
        comment: 'planned work',
      }),
    );
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('active');
    const before = receiver.requests.length;
    isSilencedHealthy = false;
    await eventually(
      async () =>
        (await api<{ alerts: { state: string }[] }>('/api/v1/alerts')).body.alerts[0]?.state === 'suppressed',
      10_000,
      'the alert to fire, suppressed',
    );
    isSilencedHealthy = true;
    await eventually(
      async () => (await api<{ alerts: unknown[] }>('/api/v1/alerts')).body.alerts.length === 0,
      10_000,
    );
    expect(receiver.requests.length).toBe(before);
    const expired = await api<{ status: string }>(`/api/v1/silences/${created.body.id}`, write('DELETE'));
    expect(expired.body.status).toBe('expired');
  });

  it('refuses writes without a token, and bad input with a 400 naming the field', async () => {
    const anonymous = await api<{ error: { code: string } }>('/api/v1/silences', {
      method: 'POST',
      body: JSON.stringify({ matchers: ['a=b'] }),
    });
    expect(anonymous.status).toBe(401);
    const bad = await api<{ error: { code: string; field: string } }>(
      '/api/v1/silences',
      write('POST', { matchers: ['a=b'], createdBy: 'x', comment: 'y' }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'ADMIN_BAD_REQUEST', field: 'endsAt' });
    const unknown = await api<{ error: { code: string } }>(
      '/api/v1/alerts/0123456789abcdef/ack',
      write('POST'),
    );
    expect(unknown.status).toBe(404);
  });

  it('bulwark silence add | list | expire drive the same verbs from a shell', async () => {
    const env = { BULWARK_ADMIN_TOKEN: adminToken, USER: 'oncall-amy' };
    const admin = ['--admin', bulwark.adminUrl];
    const added = await runCliWithEnv(
      env,
      'silence',
      'add',
      'monitor=upstream-api',
      'severity=~"critical|warning"',
      '--duration',
      '30m',
      '--comment',
      'db failover drill',
      ...admin,
    );
    expect(added.err).toBe('');
    expect(added.code).toBe(0);
    const id = /silence (\S+) active/.exec(added.out)?.[1] ?? '';
    const listed = await runCliWithEnv(env, 'silence', 'list', ...admin);
    expect(listed.out).toContain(id);
    expect(listed.out).toContain('monitor=upstream-api severity=~"critical|warning"');
    expect(listed.out).toContain('oncall-amy');
    const expired = await runCliWithEnv(env, 'silence', 'expire', id, ...admin);
    expect(expired.out).toBe(`silence ${id} expired\n`);
    const refused = await runCliWithEnv(
      {},
      'silence',
      'add',
      'monitor=x',
      '--duration',
      '1h',
      '--comment',
      'c',
      ...admin,
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('Authorization: Bearer');
  });

  it('bulwark notify test NAME sends one test message through the configured notifier', async () => {
    const before = receiver.requests.length;
    const sent = await runCliWithEnv({}, 'notify', 'test', 'hooks', '-c', file);
    expect(sent).toMatchObject({ code: 0, out: 'test message sent to "hooks" (webhook)\n' });
    expect(receiver.requests).toHaveLength(before + 1);
    expect(bodies().at(-1)).toMatchObject({ notification_reason: 'test' });
    const unknown = await runCliWithEnv({}, 'notify', 'test', 'pager', '-c', file);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('configured: hooks');
  });
});

describe('alerting with gateway workers: the primary runs it', () => {
  it('notifies from the cluster primary when a monitor is down', async () => {
    const upstream = await startTestUpstream((_req, res) => {
      res.writeHead(503);
      res.end();
    });
    const receiver = await startRecordingReceiver();
    const dir = await mkdtemp(join(tmpdir(), 'bulwark-alerting-cluster-'));
    const file = join(dir, 'bulwark.yaml');
    await writeFile(
      file,
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        'logging: { level: warn }',
        'gateway: { workers: 2 }',
        `data_dir: ${join(dir, 'data')}`,
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes: [{ pool: api }]',
        `monitors: [{ name: Down API, type: http, url: "${upstream.url}/", interval: 200ms, timeout: 150ms, failure_threshold: 1 }]`,
        'alerting:',
        '  defaults: { group_wait: 200ms }',
        '  routes: [{ notify: [hooks] }]',
        `  notifiers: { hooks: { type: webhook, url: "${receiver.url}/" } }`,
      ].join('\n'),
    );
    const bulwark = await startBulwarkProcess(file);
    try {
      await receiver.waitForRequests(1, 15_000);
      const body = JSON.parse(receiver.requests[0]!.body) as WebhookBody;
      expect(body.alerts[0]?.labels).toMatchObject({ alertname: 'monitor-down', monitor: 'down-api' });
    } finally {
      bulwark.child.kill('SIGTERM');
      await bulwark.exited();
      await Promise.all([upstream.close(), receiver.close()]);
    }
  });
});
