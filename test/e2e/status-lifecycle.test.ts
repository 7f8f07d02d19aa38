import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { adminJson } from '../support/admin-json.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';
import { writeTempConfig, startFromFile } from '../support/config-file.ts';

const adminToken = 'status-lifecycle-token-0123456789';
const minuteMs = 60_000;

interface V2Update {
  readonly status: string;
  readonly created_at: string;
  readonly affected_components: readonly { code: string; old_status: string; new_status: string }[] | null;
}
interface V2Incident {
  readonly id: string;
  readonly status: string;
  readonly impact: string;
  readonly created_at: string;
  readonly monitoring_at: string | null;
  readonly resolved_at: string | null;
  readonly started_at: string;
  readonly scheduled_until?: string;
  readonly incident_updates: readonly V2Update[];
}

const ms = (iso: string | null | undefined): number => Date.parse(iso ?? '');

/** Incidents and maintenances over their whole life: reopened, resolved under another, entered late, removed. */
describe('status page lifecycles in a running Bulwark', () => {
  let dir: string;
  let upstream: TestUpstream;
  let bulwark: RunningBulwark;
  const admin = adminJson(() => bulwark.adminUrl, adminToken);
  const fetchPage = (path: string) => fetch(`${bulwark.statusUrl}${path}`);
  const page = async <T>(path: string): Promise<T> => {
    const res = await fetchPage(path);
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };
  const componentStatus = async (id: string) =>
    (await page<{ components: { id: string; status: string }[] }>('/api/v2/components.json')).components.find(
      (c) => c.id === id,
    )?.status;
  const updatedAtMs = async () =>
    ms((await page<{ page: { updated_at: string } }>('/api/v2/status.json')).page.updated_at);
  const open = async (name: string, components: Record<string, string>) => {
    const created = await admin<V2Incident>('POST', '/api/v1/incidents', {
      incident: { name, body: 'Looking into it.', components },
    });
    expect(created.status).toBe(201);
    return created.body;
  };
  const patch = async (id: string, incident: object) => {
    const res = await admin<V2Incident>('PATCH', `/api/v1/incidents/${id}`, { incident });
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    upstream = await startTestUpstream((_req, res) => res.writeHead(200).end('ok'));
    let file: string;
    ({ dir, file } = await writeTempConfig('bulwark-status-lifecycle-', (dir) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
        `admin: { tokens: ["${adminToken}"] }`,
        `data_dir: ${join(dir, 'data')}`,
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes: [{ pool: api }]',
        'status_page:',
        '  title: Acme Status',
        '  time_zone: America/Los_Angeles',
        `  export_dir: ${join(dir, 'public')}`,
        '  components:',
        '    - { name: API }',
        '    - { name: Web }',
      ].join('\n'),
    ));
    bulwark = await startFromFile(file, { watch: false });
  });

  afterAll(async () => {
    await bulwark.stop();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reopening a resolved incident clears resolved_at and keeps its impact; its components stay operational unless the reopen names them (resolving let them go)', async () => {
    const incident = await open('Reopened', { api: 'partial_outage' });
    expect(incident.impact).toBe('major');
    await patch(incident.id, { status: 'monitoring', body: 'A fix is out.' });
    const resolved = await patch(incident.id, { status: 'resolved', body: 'Fixed.' });
    expect(resolved.resolved_at).not.toBeNull();
    expect(await componentStatus('api')).toBe('operational');

    const reopened = await patch(incident.id, { status: 'investigating', body: 'It is back.' });
    expect(reopened).toMatchObject({
      status: 'investigating',
      resolved_at: null,
      monitoring_at: null,
      impact: 'major',
    });
    expect(await componentStatus('api')).toBe('operational');
    // A later update naming no component does not drop the impact either.
    expect((await patch(incident.id, { body: 'Still looking.' })).impact).toBe('major');

    const unresolved = await page<{ incidents: V2Incident[] }>('/api/v2/incidents/unresolved.json');
    expect(unresolved.incidents.find((i) => i.id === incident.id)).toMatchObject({ resolved_at: null });
    const summary = await page<{ incidents: V2Incident[] }>('/api/v2/summary.json');
    expect(summary.incidents.map((i) => i.id)).toContain(incident.id);
    const permalink = await (await fetchPage(`/incidents/${incident.id}`)).text();
    expect(permalink).toContain('<dt>Started</dt>');
    expect(permalink).not.toMatch(/<dt>(Resolved|Duration)<\/dt>/);
    const history = await (await fetchPage('/history')).text();
    expect(history).toMatch(new RegExp(`/incidents/${incident.id}">Reopened</a>[^]*?Since <time`));

    // Back to monitoring is a new monitoring phase; resolving again stamps a new resolved_at.
    const monitoring = await patch(incident.id, { status: 'monitoring' });
    expect(ms(monitoring.monitoring_at)).toBeGreaterThanOrEqual(ms(reopened.incident_updates[0]?.created_at));
    const again = await patch(incident.id, { status: 'resolved' });
    expect(ms(again.resolved_at)).toBeGreaterThanOrEqual(ms(monitoring.monitoring_at));

    const named = await patch(incident.id, { status: 'identified', components: { api: 'major_outage' } });
    expect(named.impact).toBe('critical');
    expect(await componentStatus('api')).toBe('major_outage');
    await patch(incident.id, { status: 'resolved' });
    expect(await componentStatus('api')).toBe('operational');
  });

  it('a resolving update records the status each component is left with, held by another incident or an API override', async () => {
    const a = await open('Outage A', { web: 'major_outage' });
    const b = await open('Outage B', { web: 'partial_outage' });
    expect(await componentStatus('web')).toBe('partial_outage');

    const resolvedB = await patch(b.id, { status: 'resolved', body: 'B done.' });
    expect(resolvedB.incident_updates[0]?.affected_components).toEqual([
      { code: 'web', name: 'Web', old_status: 'partial_outage', new_status: 'major_outage' },
    ]);
    expect(await componentStatus('web')).toBe('major_outage');

    const override = await admin('PATCH', '/api/v1/components/web', {
      component: { status: 'degraded_performance' },
    });
    expect(override.status).toBe(200);
    const resolvedA = await patch(a.id, { status: 'resolved', body: 'A done.' });
    // The override still holds web: resolving A changed nothing, so it records no component change.
    expect(resolvedA.incident_updates[0]?.affected_components).toBeNull();
    expect(await componentStatus('web')).toBe('degraded_performance');
    await admin('PATCH', '/api/v1/components/web', { component: { status: null } });
    expect(await componentStatus('web')).toBe('operational');
  });

  const maintenances = async () =>
    (await page<{ scheduled_maintenances: V2Incident[] }>('/api/v2/scheduled-maintenances.json'))
      .scheduled_maintenances;
  const schedule = async (name: string, fromMs: number, untilMs: number) => {
    const created = await admin<V2Incident>('POST', '/api/v1/scheduled-maintenances', {
      scheduled_maintenance: {
        name,
        body: 'Announced.',
        scheduled_for: new Date(fromMs).toISOString(),
        scheduled_until: new Date(untilMs).toISOString(),
      },
    });
    expect(created.status).toBe(201);
    return created.body;
  };
  /** Nothing the clock did is dated before the maintenance existed, and the timeline reads newest first. */
  const expectNothingBeforeCreation = (m: V2Incident) => {
    const createdAtMs = ms(m.created_at);
    expect(ms(m.started_at)).toBeGreaterThanOrEqual(createdAtMs);
    const times = m.incident_updates.map((u) => ms(u.created_at));
    for (const t of times) expect(t).toBeGreaterThanOrEqual(createdAtMs);
    expect(times).toEqual([...times].sort((x, y) => y - x));
  };

  /** The maintenance as the public API shows it once the clock has moved it to `status`. */
  const maintenanceReaching = async (id: string, status: string): Promise<V2Incident> => {
    let reached: V2Incident | undefined;
    await eventually(async () => {
      reached = (await maintenances()).find((m) => m.id === id && m.status === status);
      return reached !== undefined;
    }, 10_000);
    if (!reached) throw new Error(`maintenance ${id} never reached ${status}`);
    return reached;
  };

  it('a maintenance entered after its start begins when entered, not before it existed', async () => {
    const created = await schedule('Late entry', Date.now() - 10 * minuteMs, Date.now() + 60 * minuteMs);
    const started = await maintenanceReaching(created.id, 'in_progress');
    expect(started.incident_updates.map((u) => u.status)).toEqual(['in_progress', 'scheduled']);
    expectNothingBeforeCreation(started);
    const html = await (await fetchPage(`/incidents/${created.id}`)).text();
    const order = [...html.matchAll(/<strong>([A-Za-z ]+)<\/strong> · <time/g)].map(([, s]) => s);
    expect(order).toEqual(['In progress', 'Scheduled']);
    await admin('DELETE', `/api/v1/scheduled-maintenances/${created.id}`);
  });

  it('a maintenance entered after its whole window completes when entered: no start or end before it existed', async () => {
    const untilMs = Date.now() - 10 * minuteMs;
    const created = await schedule('Past window', untilMs - 10 * minuteMs, untilMs);
    const completed = await maintenanceReaching(created.id, 'completed');
    expect(completed.incident_updates.map((u) => u.status)).toEqual(['completed', 'scheduled']);
    expectNothingBeforeCreation(completed);
    expect(ms(completed.resolved_at)).toBeGreaterThanOrEqual(ms(completed.created_at));
    expect(ms(completed.resolved_at)).not.toBe(ms(completed.scheduled_until));
  });

  it('page.updated_at never goes back: cancelling a maintenance or deleting an incident is a change', async () => {
    const m = await schedule('Cancelled', Date.now() + 24 * 60 * minuteMs, Date.now() + 25 * 60 * minuteMs);
    const scheduledAtMs = await updatedAtMs();
    const beforeCancelMs = Date.now();
    expect((await admin('DELETE', `/api/v1/scheduled-maintenances/${m.id}`)).status).toBe(204);
    const cancelledAtMs = await updatedAtMs();
    expect(cancelledAtMs).toBeGreaterThanOrEqual(Math.max(scheduledAtMs, beforeCancelMs));

    const incident = await open('Deleted', {});
    const beforeDeleteMs = Date.now();
    expect((await admin('DELETE', `/api/v1/incidents/${incident.id}`)).status).toBe(204);
    expect(await updatedAtMs()).toBeGreaterThanOrEqual(beforeDeleteMs);
    const atom = await (await fetchPage('/history.atom')).text();
    expect(ms(/<updated>([^<]+)<\/updated>/.exec(atom)?.[1])).toBeGreaterThanOrEqual(beforeDeleteMs);
  });

  it('links history pages as /history/N, which the listener and the static copy both have', async () => {
    for (let i = 1; i <= 21; i++)
      await admin('POST', '/api/v1/incidents', { incident: { name: `Blip ${i}`, status: 'resolved' } });
    const first = await (await fetchPage('/history')).text();
    expect(first).toContain('<a rel="next" href="/history/2">');
    const second = await fetchPage('/history/2');
    expect(second.status).toBe(200);
    expect(await second.text()).toMatch(/Page 2 of \d+/);
    const one = await fetchPage('/history/1');
    expect(one.status).toBe(200);
    expect(await one.text()).toMatch(/Page 1 of \d+/);
    expect(await (await fetchPage('/history?page=2')).text()).toMatch(/Page 2 of \d+/);
    const copy = join(dir, 'public', 'history', '2', 'index.html');
    await eventually(async () => (await readFile(copy, 'utf8').catch(() => '')).includes('Page 2 of'));
  });

  it('refuses control characters and bidi overrides in a name with a 400 naming the field', async () => {
    // With U+202E (right-to-left override) "API \u202edevloseR" reads "API Resolved": the Trojan Source trick.
    for (const name of ['ansi \u001b[2J test', 'API \u202edevloseR', 'isolated \u2067x\u2069']) {
      const incident = await admin<{ error: { field: string } }>('POST', '/api/v1/incidents', {
        incident: { name, body: 'x' },
      });
      expect(incident.status, name).toBe(400);
      expect(incident.body.error.field).toBe('incident.name');
    }
    for (const name of ['two\nlines', 'window \u202dx']) {
      const maintenance = await admin<{ error: { field: string } }>(
        'POST',
        '/api/v1/scheduled-maintenances',
        {
          scheduled_maintenance: {
            name,
            scheduled_for: new Date(Date.now() + 60 * minuteMs).toISOString(),
            scheduled_until: new Date(Date.now() + 120 * minuteMs).toISOString(),
          },
        },
      );
      expect(maintenance.status, name).toBe(400);
      expect(maintenance.body.error.field).toBe('scheduled_maintenance.name');
    }
    // Right-to-left text itself is welcome: its direction comes from the letters, not from overrides.
    const hebrew = await admin('POST', '/api/v1/incidents', {
      incident: { name: 'תקלה ב-API', status: 'resolved' },
    });
    expect(hebrew.status).toBe(201);
  });
});
