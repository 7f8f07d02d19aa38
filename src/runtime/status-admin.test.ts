import { afterEach, describe, expect, it, vi } from 'vitest';
import { firingAlert } from '../alerting/alert.ts';
import { startStatusAdmin, type StatusAdminHarness } from './status-admin.test-support.ts';

const minuteMs = 60_000;
const startMs = Date.UTC(2026, 10, 20, 9);
const yaml = [
  'monitors:',
  '  - { name: API check, url: "http://127.0.0.1:9/api", type: http }',
  'status_page:',
  '  title: Acme',
  '  components:',
  '    - { name: API, from: { monitors: [api-check] } }',
  '    - group: Platform',
  '      components: [{ name: Web }]',
];

interface V2Component {
  readonly id: string;
  readonly status: string;
  readonly updated_at: string;
}
interface V2Incident {
  readonly id: string;
  readonly created_at: string;
  readonly started_at: string;
  readonly incident_updates: readonly { readonly created_at: string; readonly display_at: string }[];
  readonly components: readonly V2Component[];
}
interface ApiError {
  readonly error: { readonly code: string; readonly message: string; readonly field: string };
}

const ms = (iso: string | undefined): number => Date.parse(iso ?? '');

let harness: StatusAdminHarness | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await harness?.stop();
  harness = undefined;
});

async function started(): Promise<StatusAdminHarness> {
  harness = await startStatusAdmin(yaml, startMs);
  harness.monitorStates.set('api-check', 'up');
  harness.host.monitorChanged();
  await harness.host.serially(() => Promise.resolve());
  return harness;
}

/** API check goes down and its critical alert opens a draft incident, not yet published. */
async function startedWithDraft(): Promise<{ h: StatusAdminHarness; draft: { readonly id: string } }> {
  const h = await started();
  h.monitorStates.set('api-check', 'down');
  h.host.monitorChanged();
  const alert = firingAlert(
    { alertname: 'monitor-down', monitor: 'api-check', severity: 'critical', source: 'monitor' },
    { summary: 'API check is down' },
    h.clock.nowMs(),
  );
  h.host.alertChanged(alert);
  await h.host.serially(() => Promise.resolve());
  const [draft] = h.host.book.incidents();
  if (!draft) throw new Error('no draft');
  return { h, draft };
}

describe('the status admin API: bad input', () => {
  it.each([
    ['a phrase', '30 minutes'],
    ['a number', 30],
  ])('names incident.next_update_by for %s, and says what it accepts', async (_, value) => {
    const h = await started();
    const res = await h.admin<ApiError>('POST', '/api/v1/incidents', {
      incident: { name: 'X', next_update_by: value },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('incident.next_update_by');
    expect(res.body.error.message).toMatch(/ISO 8601 .*30m/);
  });

  it.each([
    [[], 'incident'],
    [{ incident: { name: 'X' }, incidnt: {} }, 'incidnt'],
    [{ incident: { name: 'X', components: { api: 'down' } } }, 'incident.components.api'],
    [{ incident: { name: 'X', components: { nope: 'major_outage' } } }, 'incident.components.nope'],
    [{ incident: { name: 'X', component_ids: ['api', 'nope'] } }, 'incident.component_ids.1'],
  ])('names the field of %j: %s', async (body, field) => {
    const h = await started();
    const res = await h.admin<ApiError>('POST', '/api/v1/incidents', body);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(field);
  });

  it('names scheduled_maintenance.scheduled_for for a time that is not ISO 8601, and says what is', async () => {
    const h = await started();
    const res = await h.admin<ApiError>('POST', '/api/v1/scheduled-maintenances', {
      scheduled_maintenance: { name: 'DB', scheduled_for: 'tomorrow', scheduled_until: 'later' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ field: 'scheduled_maintenance.scheduled_for' });
    expect(res.body.error.message).toContain('ISO 8601');
  });

  it("logs a client's mistakes below warn and without a stack; a real failure at error with one", async () => {
    const h = await started();
    await h.admin('POST', '/api/v1/incidents', { incident: { name: 'X', next_update_by: 'soon' } });
    await h.admin('PATCH', '/api/v1/incidents/nosuchid', { incident: { body: 'x' } });
    await h.admin('POST', '/api/v1/subscribers', { subscriber: { email: 'not an address' } });
    await h.admin('PATCH', '/api/v1/components/platform', { component: { status: 'major_outage' } });
    const loud = h.logs.filter((l) => l.level === 'error' || l.level === 'warn' || 'err' in l);
    expect(loud).toEqual([]);

    vi.spyOn(h.host.book, 'putIncident').mockRejectedValueOnce(new Error('disk I/O error'));
    const failed = await h.admin('POST', '/api/v1/incidents', { incident: { name: 'X' } });
    expect(failed.status).toBe(500);
    const errors = h.logs.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toContain('disk I/O error');
  });
});

describe('the status admin API: what a write answers', () => {
  it("shows a component's new updated_at in the answer, as the page shows it", async () => {
    const h = await started();
    h.clock.advance(10 * minuteMs);
    const created = await h.admin<V2Incident>('POST', '/api/v1/incidents', {
      incident: { name: 'Errors', components: { api: 'partial_outage' } },
    });
    const page = await h.page<{ components: V2Component[] }>('/api/v2/components.json');
    const answered = created.body.components.find((c) => c.id === 'api');
    expect(answered).toMatchObject({ status: 'partial_outage', updated_at: '2026-11-20T09:10:00.000+00:00' });
    expect(answered?.updated_at).toBe(page.components.find((c) => c.id === 'api')?.updated_at);

    h.clock.advance(5 * minuteMs);
    const patched = await h.admin<V2Component>('PATCH', '/api/v1/components/web', {
      component: { status: 'degraded_performance' },
    });
    expect(patched.body).toMatchObject({ status: 'degraded_performance' });
    expect(ms(patched.body.updated_at)).toBe(startMs + 15 * minuteMs);
  });

  it('dates a published draft and its first update when it is published; started_at keeps the outage start', async () => {
    const { h, draft } = await startedWithDraft();

    h.clock.advance(20 * minuteMs);
    const published = await h.admin<V2Incident>('POST', `/api/v1/incidents/${draft.id}/publish`);
    expect(published.status).toBe(200);
    const [first] = published.body.incident_updates;
    expect(ms(published.body.created_at)).toBe(startMs + 20 * minuteMs);
    expect(ms(first?.created_at)).toBe(ms(published.body.created_at));
    expect(ms(first?.display_at)).toBe(ms(published.body.created_at));
    expect(ms(published.body.started_at)).toBe(startMs);
  });

  it('keeps a draft\'s "next update in 30m" thirty minutes from publishing, and a promise still ahead as written', async () => {
    const { h, draft } = await startedWithDraft();
    const laterIso = new Date(startMs + 3 * 60 * minuteMs).toISOString();
    await h.admin('PATCH', `/api/v1/incidents/${draft.id}`, {
      incident: { body: 'Looking', next_update_by: '30m' },
    });
    await h.admin('PATCH', `/api/v1/incidents/${draft.id}`, {
      incident: { body: 'Found it', next_update_by: laterIso },
    });

    h.clock.advance(60 * minuteMs);
    expect((await h.admin('POST', `/api/v1/incidents/${draft.id}/publish`)).status).toBe(200);
    const published = h.host.book.incidents().find((i) => i.id === draft.id);
    expect(published?.updates.map((u) => u.nextUpdateByMs)).toEqual([
      startMs + 3 * 60 * minuteMs,
      startMs + 90 * minuteMs,
      null,
    ]);
  });
});
