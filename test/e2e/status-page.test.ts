import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { StatusHost } from '../../src/runtime/status-host.ts';
import { adminJson } from '../support/admin-json.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../support/recording-receiver.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';
import { writeTempConfig, startFromFile } from '../support/config-file.ts';

const adminToken = 'status-test-token-0123456789';

interface V2Component {
  readonly id: string;
  readonly status: string;
  readonly group: boolean;
  readonly group_id: string | null;
}
interface V2Incident {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly impact: string;
  readonly draft?: boolean;
  readonly incident_updates: readonly { status: string; body: string; affected_components: unknown }[];
}

describe('the status page in a running Bulwark', () => {
  let dir: string;
  let api: TestUpstream;
  let dashboard: TestUpstream;
  let receiver: RecordingReceiver;
  let isApiHealthy = true;
  let isDashboardHealthy = true;
  let bulwark: RunningBulwark;

  const page = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${bulwark.statusUrl}${path}`);
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  const admin = adminJson(() => bulwark.adminUrl, adminToken);
  const componentStatus = async (id: string) =>
    (await page<{ components: V2Component[] }>('/api/v2/components.json')).components.find((c) => c.id === id)
      ?.status;

  beforeAll(async () => {
    api = await startTestUpstream((_req, res) => res.writeHead(isApiHealthy ? 200 : 503).end());
    dashboard = await startTestUpstream((_req, res) => res.writeHead(isDashboardHealthy ? 200 : 503).end());
    receiver = await startRecordingReceiver();
    let file: string;
    ({ dir, file } = await writeTempConfig('bulwark-status-', (dir) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
        `admin: { tokens: ["${adminToken}"] }`,
        `data_dir: ${join(dir, 'data')}`,
        'pools:',
        `  api: { endpoints: [{ url: "${api.url}" }] }`,
        `  web: { endpoints: [{ url: "${dashboard.url}" }] }`,
        'routes: [{ pool: api }]',
        'monitors:',
        `  - { name: Public API, url: "${api.url}/healthz", type: http, interval: 200ms, timeout: 150ms, failure_threshold: 1, success_threshold: 1 }`,
        `  - { name: Dashboard, url: "${dashboard.url}/", type: http, interval: 200ms, timeout: 150ms }`,
        'alerting:',
        '  defaults: { group_wait: 100ms, group_interval: 1m }',
        '  routes: [{ notify: [hooks] }]',
        `  notifiers: { hooks: { type: webhook, url: "${receiver.url}/hook" } }`,
        'status_page:',
        '  title: Acme <Status>',
        '  url: https://status.acme.example',
        '  time_zone: Europe/Berlin',
        `  export_dir: ${join(dir, 'public')}`,
        '  components:',
        '    - { name: API, description: Public REST API, from: { monitors: [public-api] } }',
        '    - group: Platform',
        '      components:',
        '        - { name: Dashboard, from: { monitors: [dashboard], pools: [web] } }',
      ].join('\n'),
    ));
    bulwark = await startFromFile(file);
  });

  afterAll(async () => {
    await bulwark.stop();
    await Promise.all([api.close(), dashboard.close(), receiver.close()]);
  });

  it('serves the Statuspage v2 documents with ETag, gzip and CORS', async () => {
    await eventually(async () => (await componentStatus('api')) === 'operational');
    const res = await fetch(`${bulwark.statusUrl}/api/v2/summary.json`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const summary = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(summary)).toEqual([
      'page',
      'components',
      'incidents',
      'scheduled_maintenances',
      'status',
    ]);
    expect(summary['page']).toMatchObject({
      name: 'Acme <Status>',
      url: 'https://status.acme.example',
      time_zone: 'Europe/Berlin',
    });
    const etag = res.headers.get('etag') ?? '';
    const again = await fetch(`${bulwark.statusUrl}/api/v2/summary.json`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    const { components } = await page<{ components: V2Component[] }>('/api/v2/components.json');
    expect(components.map((c) => [c.id, c.group, c.group_id])).toEqual([
      ['api', false, null],
      ['platform', true, null],
      ['dashboard', false, 'platform'],
    ]);
    for (const path of [
      '/',
      '/history',
      '/history.rss',
      '/history.atom',
      '/badge/api.svg',
      '/components/api',
    ])
      expect((await fetch(`${bulwark.statusUrl}${path}`)).status, path).toBe(200);
    expect((await fetch(`${bulwark.statusUrl}/nothing-here`)).status).toBe(404);
  });

  it('turns a component within a check when its monitor fails, and opens a draft incident from the critical alert', async () => {
    isApiHealthy = false;
    await eventually(async () => (await componentStatus('api')) === 'major_outage', 10_000);
    const status = await page<{ status: { indicator: string } }>('/api/v2/status.json');
    expect(status.status.indicator).toBe('critical');
    // The draft waits for a person: on the admin API, not on the public page.
    let draft: V2Incident | undefined;
    await eventually(async () => {
      const { body } = await admin<{ incidents: V2Incident[] }>('GET', '/api/v1/incidents');
      draft = body.incidents.find((i) => i.draft);
      return draft !== undefined;
    }, 10_000);
    if (!draft) throw new Error('no draft');
    expect(draft.name).toBe('API: major outage');
    expect((await page<{ incidents: V2Incident[] }>('/api/v2/incidents.json')).incidents).toEqual([]);
    const published = await admin<V2Incident>('POST', `/api/v1/incidents/${draft.id}/publish`);
    expect(published.status).toBe(200);
    const unresolved = await page<{ incidents: V2Incident[] }>('/api/v2/incidents/unresolved.json');
    expect(unresolved.incidents.map((i) => i.id)).toEqual([draft.id]);
    isApiHealthy = true;
    await admin('PATCH', `/api/v1/incidents/${draft.id}`, {
      incident: { status: 'resolved', body: 'Fixed.' },
    });
    await eventually(async () => (await componentStatus('api')) === 'operational', 10_000);
  });

  it('withdraws a draft nobody published when the outage behind it ends', async () => {
    const draftIds = async (): Promise<string[]> => {
      const { body } = await admin<{ incidents: V2Incident[] }>('GET', '/api/v1/incidents');
      return body.incidents.filter((i) => i.draft && i.status !== 'resolved').map((i) => i.id);
    };
    isApiHealthy = false;
    await eventually(async () => (await draftIds()).length === 1, 10_000, 'a draft');
    isApiHealthy = true;
    // Published now, it would tell readers of an outage that is over.
    await eventually(async () => (await draftIds()).length === 0, 10_000, 'the draft to be withdrawn');
    await eventually(async () => (await componentStatus('api')) === 'operational', 10_000, 'API to recover');
  });

  it('runs an incident through the Statuspage-shaped write API, with overrides and a sanitized body', async () => {
    const created = await admin<V2Incident>('POST', '/api/v1/incidents', {
      incident: {
        name: 'Slow dashboard',
        body: 'We are <script>alert(1)</script> looking [here](javascript:alert(1)).',
        components: { dashboard: 'degraded_performance' },
        next_update_by: '30m',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'investigating', impact: 'minor' });
    expect(await componentStatus('dashboard')).toBe('degraded_performance');
    expect(await componentStatus('platform')).toBe('degraded_performance');
    const permalink = await (await fetch(`${bulwark.statusUrl}/incidents/${created.body.id}`)).text();
    expect(permalink).toContain('Slow dashboard');
    expect(permalink).not.toMatch(/<script>alert|href="javascript:/);

    const bad = await admin<{ error: { field: string } }>('PATCH', `/api/v1/incidents/${created.body.id}`, {
      incident: { components: { nope: 'major_outage' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('incident.components.nope');

    const resolved = await admin<V2Incident>('PATCH', `/api/v1/incidents/${created.body.id}`, {
      incident: { status: 'resolved', body: 'All good.' },
    });
    expect(resolved.body.incident_updates.map((u) => u.status)).toEqual(['resolved', 'investigating']);
    expect(resolved.body.incident_updates[0]?.affected_components).toEqual([
      { code: 'dashboard', name: 'Dashboard', old_status: 'degraded_performance', new_status: 'operational' },
    ]);
    expect(await componentStatus('dashboard')).toBe('operational');
    expect((await fetch(`${bulwark.adminUrl}/api/v1/incidents`, { method: 'POST' })).status).toBe(401);
  });

  it('puts components under maintenance for the window: monitors excluded, endpoints drained, alerts muted', async () => {
    const startsAt = new Date(Date.now() + 300);
    const created = await admin<{ id: string; status: string }>('POST', '/api/v1/scheduled-maintenances', {
      scheduled_maintenance: {
        name: 'Dashboard upgrade',
        component_ids: ['dashboard'],
        scheduled_for: startsAt.toISOString(),
        scheduled_until: new Date(startsAt.getTime() + 60_000).toISOString(),
        drain: [`web/${new URL(dashboard.url).host}`],
      },
    });
    expect(created.status).toBe(201);
    const upcoming = await page<{ scheduled_maintenances: { id: string }[] }>(
      '/api/v2/scheduled-maintenances/upcoming.json',
    );
    expect(upcoming.scheduled_maintenances.map((m) => m.id)).toEqual([created.body.id]);
    await eventually(async () => (await componentStatus('dashboard')) === 'under_maintenance', 10_000);
    const active = await page<{ scheduled_maintenances: { id: string; status: string }[] }>(
      '/api/v2/scheduled-maintenances/active.json',
    );
    expect(active.scheduled_maintenances).toMatchObject([{ id: created.body.id, status: 'in_progress' }]);
    expect((await page<{ status: { indicator: string } }>('/api/v2/status.json')).status.indicator).toBe(
      'maintenance',
    );
    const pools = await admin<{ pools: { name: string; endpoints: { state: string }[] }[] }>(
      'GET',
      '/api/v1/pools',
    );
    expect(pools.body.pools.find((p) => p.name === 'web')?.endpoints[0]?.state).toBe('draining');
    const monitor = await admin<{ state: string }>('GET', '/api/v1/monitors/dashboard');
    expect(monitor.body.state).toBe('maintenance');
    // Its checks fail during the window (the work is being done): recorded, but no alert goes out.
    isDashboardHealthy = false;
    await eventually(async () => {
      const { body } = await admin<{ results: { ok: boolean; state: string }[] }>(
        'GET',
        '/api/v1/monitors/dashboard/results',
      );
      return body.results.filter((r) => !r.ok && r.state === 'maintenance').length >= 3;
    }, 10_000);
    // As under an Alertmanager silence, the alert exists but is suppressed by the window: never sent.
    const alerts = await admin<{
      alerts: { labels: Record<string, string>; state: string; suppressedBy?: { by: string } }[];
    }>('GET', '/api/v1/alerts');
    for (const alert of alerts.body.alerts.filter((a) => a.labels['monitor'] === 'dashboard'))
      expect(alert).toMatchObject({ state: 'suppressed', suppressedBy: { by: 'maintenance' } });
    expect(receiver.requests.filter((r) => r.body.includes('"monitor":"dashboard"'))).toEqual([]);
    expect(await componentStatus('dashboard')).toBe('under_maintenance');
    isDashboardHealthy = true;

    const cancelled = await admin<{ status: string }>(
      'DELETE',
      `/api/v1/scheduled-maintenances/${created.body.id}`,
    );
    expect(cancelled.body.status).toBe('completed');
    await eventually(async () => (await componentStatus('dashboard')) === 'operational', 10_000);
    const after = await admin<{ pools: { name: string; endpoints: { state: string }[] }[] }>(
      'GET',
      '/api/v1/pools',
    );
    expect(after.body.pools.find((p) => p.name === 'web')?.endpoints[0]?.state).toBe('ready');
  });

  it('answers a list from one view of the page per call, not one per incident or maintenance in it', async () => {
    for (let i = 1; i <= 6; i++) {
      const created = await admin('POST', '/api/v1/incidents', {
        incident: { name: `Blip ${i}`, body: 'Gone.' },
      });
      expect(created.status).toBe(201);
    }
    // A view holds every component's 90 days: with one per incident, 1,000 incidents blocked for seconds.
    const views = vi.spyOn(StatusHost.prototype, 'view');
    try {
      const listed = await admin<{ incidents: V2Incident[] }>('GET', '/api/v1/incidents');
      expect(listed.body.incidents.length).toBeGreaterThanOrEqual(6);
      const maintenances = await admin<{ scheduled_maintenances: unknown[] }>(
        'GET',
        '/api/v1/scheduled-maintenances',
      );
      expect(maintenances.body.scheduled_maintenances.length).toBeGreaterThanOrEqual(1);
      // One per call; a rebuild that a monitor's change schedules meanwhile may add one more.
      expect(views.mock.calls.length).toBeLessThanOrEqual(3);
    } finally {
      views.mockRestore();
    }
  });

  it('keeps a static copy in export_dir', async () => {
    await eventually(async () => {
      const summary = JSON.parse(
        await readFile(join(dir, 'public', 'api', 'v2', 'summary.json'), 'utf8'),
      ) as {
        components: V2Component[];
      };
      return summary.components.find((c) => c.id === 'dashboard')?.status === 'operational';
    }, 10_000);
    expect(await readFile(join(dir, 'public', 'index.html'), 'utf8')).toContain('Acme &lt;Status&gt;');
  });
});
