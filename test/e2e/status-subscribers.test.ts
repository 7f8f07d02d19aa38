import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { adminJson } from '../support/admin-json.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../support/recording-receiver.ts';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';
import { writeTempConfig, startFromFile } from '../support/config-file.ts';

const adminToken = 'subscriber-test-token-0123456789';
const form = (fields: Record<string, string | string[]>): URLSearchParams => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields))
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, v);
  return params;
};

interface WebhookBody {
  readonly meta: { readonly unsubscribe: string; readonly documentation: string };
  readonly page: {
    readonly id: string;
    readonly status_indicator: string;
    readonly status_description: string;
  };
  readonly component_update?: {
    readonly old_status: string;
    readonly new_status: string;
    readonly component_id: string;
  };
  readonly component?: { readonly id: string; readonly status: string };
  readonly incident?: {
    readonly name: string;
    readonly status: string;
    readonly impact: string;
    readonly scheduled_for: string | null;
    readonly incident_updates: readonly { readonly status: string }[];
  };
}

describe('status page subscribers in a running Bulwark (no alert notifiers configured)', () => {
  let api: TestUpstream;
  let smtp: SmtpSink;
  let hooks: RecordingReceiver;
  let isApiHealthy = true;
  let bulwark: RunningBulwark;
  const admin = adminJson(() => bulwark.adminUrl, adminToken);
  const page = (path: string, init?: RequestInit) => fetch(`${bulwark.statusUrl}${path}`, init);
  const post = (path: string, fields: URLSearchParams) =>
    page(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    });
  const mailsTo = (address: string): ReceivedMail[] =>
    smtp.mails.filter((m) => m.envelopeTo.includes(address));
  const waitForMailTo = async (address: string, count: number): Promise<ReceivedMail> => {
    await eventually(() => mailsTo(address).length >= count, 10_000, `mail ${count} to ${address}`);
    const mail = mailsTo(address)[count - 1];
    if (!mail) throw new Error('no mail');
    return mail;
  };
  const openIncident = async (name: string, components: Record<string, string>) => {
    const created = await admin<{ id: string }>('POST', '/api/v1/incidents', {
      incident: { name, body: 'We are looking into it.', components },
    });
    expect(created.status).toBe(201);
    return created.body.id;
  };

  beforeAll(async () => {
    api = await startTestUpstream((_req, res) => res.writeHead(isApiHealthy ? 200 : 503).end());
    smtp = await startSmtpSink({ security: 'plain' });
    hooks = await startRecordingReceiver();
    const { file } = await writeTempConfig('bulwark-subscribers-', (dir) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
        `admin: { tokens: ["${adminToken}"] }`,
        `data_dir: ${join(dir, 'data')}`,
        'pools:',
        `  api: { endpoints: [{ url: "${api.url}" }] }`,
        'routes: [{ pool: api }]',
        'monitors:',
        `  - { name: Public API, url: "${api.url}/healthz", type: http, interval: 200ms, timeout: 150ms, failure_threshold: 1, success_threshold: 1 }`,
        'status_page:',
        '  title: Acme Status',
        '  time_zone: Europe/Berlin',
        '  components:',
        '    - { name: API, from: { monitors: [public-api] } }',
        '    - { name: Dashboard }',
        '  subscribers:',
        `    email: { from: "Acme Status <status@acme.example>", smtp: { host: 127.0.0.1, port: ${smtp.port}, tls: none } }`,
      ].join('\n'),
    );
    bulwark = await startFromFile(file);
  });

  afterAll(async () => {
    await bulwark.stop();
    await Promise.all([api.close(), smtp.close(), hooks.close()]);
  });

  it('email: double opt-in by the mailed link, updates for the chosen component only, one-click unsubscribe', async () => {
    const formPage = await page('/subscribe');
    expect(formPage.status).toBe(200);
    expect(await formPage.text()).toMatch(/<form[^>]+method="post" action="\/subscribe"/);

    const answer = await post('/subscribe', form({ email: 'ada@example.com', component_ids: ['api'] }));
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('Check your inbox');
    const confirmation = await waitForMailTo('ada@example.com', 1);
    const confirmMail = await confirmation.parse();
    expect(confirmMail.subject).toBe('Confirm your subscription to Acme Status');
    expect(confirmation.raw).not.toMatch(/^List-Unsubscribe:/im);
    const confirmUrl = /Confirm: (\S+)/.exec(confirmMail.text ?? '')?.[1] ?? '';
    expect(confirmUrl.startsWith(`${bulwark.statusUrl}/subscribe/confirm?token=`)).toBe(true);

    // Unconfirmed: an incident now sends her nothing. Bob (added by an operator, whole page) is the control.
    const bob = await admin<{ id: string; confirmed_at: string | null }>('POST', '/api/v1/subscribers', {
      subscriber: { email: 'bob@example.com' },
    });
    expect(bob.status).toBe(201);
    expect(bob.body.confirmed_at).not.toBeNull();
    await openIncident('Before she confirmed', { api: 'degraded_performance' });
    await waitForMailTo('bob@example.com', 1);

    // Opening the link only shows a button (mail scanners open links); pressing it confirms.
    const confirmPage = await fetch(confirmUrl);
    expect(confirmPage.status).toBe(200);
    const token = new URL(confirmUrl).searchParams.get('token') ?? '';
    expect(await confirmPage.text()).toContain(`name="token" value="${token}"`);
    const confirmed = await post('/subscribe/confirm', form({ token }));
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Subscription confirmed');
    const { body: listed } = await admin<{ subscribers: Record<string, unknown>[] }>(
      'GET',
      '/api/v1/subscribers',
    );
    const ada = listed.subscribers.find((s) => s['email'] === 'ada@example.com');
    expect(ada).toMatchObject({ mode: 'email', components: ['api'], endpoint: null });
    expect(ada?.['confirmed_at']).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(token);

    // An incident on the API reaches her, threaded, with one-click unsubscribe headers.
    const incidentId = await openIncident('API errors <b>&</b> timeouts', { api: 'major_outage' });
    const created = await waitForMailTo('ada@example.com', 2);
    const createdMail = await created.parse();
    expect(createdMail.subject).toBe('[Acme Status] API errors <b>&</b> timeouts');
    expect(createdMail.text).toContain('Investigating');
    expect(createdMail.text).toContain(`${bulwark.statusUrl}/incidents/${incidentId}`);
    expect(createdMail.html).toContain('API errors &lt;b&gt;&amp;&lt;/b&gt; timeouts');
    const unsubscribeUrl = /^List-Unsubscribe:\s*<([^>]+)>/im.exec(created.raw)?.[1] ?? '';
    expect(unsubscribeUrl.startsWith(`${bulwark.statusUrl}/unsubscribe?token=`)).toBe(true);
    expect(created.raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click/im);
    const resolved = await admin('PATCH', `/api/v1/incidents/${incidentId}`, {
      incident: { status: 'resolved', body: 'Fixed.' },
    });
    expect(resolved.status).toBe(200);
    const resolvedMail = await (await waitForMailTo('ada@example.com', 3)).parse();
    expect(resolvedMail.text).toMatch(/^Resolved/m);
    expect(resolvedMail.references).toEqual(createdMail.references);

    // The dashboard is not hers. The incident after it is: when that one arrives, the one before was skipped.
    await openIncident('Dashboard slow', { dashboard: 'degraded_performance' });
    await openIncident('API slow', { api: 'degraded_performance' });
    const fourth = await (await waitForMailTo('ada@example.com', 4)).parse();
    expect(fourth.subject).toBe('[Acme Status] API slow');
    expect(
      (await Promise.all(mailsTo('bob@example.com').map((m) => m.parse()))).map((m) => m.subject),
    ).toContain('[Acme Status] Dashboard slow');

    // The outbox carried them: the admin API lists them beside alert notifications.
    const { body: outbox } = await admin<{ notifications: { notifier: string; status: string }[] }>(
      'GET',
      '/api/v1/notifications?state=delivered',
    );
    expect(outbox.notifications.some((n) => n.notifier === 'status:email' && n.status === 'message')).toBe(
      true,
    );

    // RFC 8058: the mail client POSTs to the List-Unsubscribe URL; no page, no confirmation.
    const oneClick = await fetch(unsubscribeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    await openIncident('After she left', {});
    await eventually(
      async () =>
        (await Promise.all(mailsTo('bob@example.com').map((m) => m.parse()))).some(
          (m) => m.subject === '[Acme Status] After she left',
        ),
      10_000,
      'the mail to bob',
    );
    expect(mailsTo('ada@example.com')).toHaveLength(4);
    expect((await fetch(confirmUrl)).status).toBe(404);
  });

  it('refuses bad input with a clear answer naming the field, and keeps the form filled in', async () => {
    const bad = await post('/subscribe', form({ email: 'not-an-address', component_ids: ['api'] }));
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('expected an email address');
    expect(html).toContain('value="not-an-address"');
    expect(html).toMatch(/value="api" checked/);
    const unknown = await post('/subscribe', form({ email: 'cy@example.com', component_ids: ['nope'] }));
    expect(unknown.status).toBe(400);
    const both = await admin<{ error: { field: string } }>('POST', '/api/v1/subscribers', {
      subscriber: { email: 'dee@example.com', endpoint: 'https://hooks.example.com/x' },
    });
    expect(both.status).toBe(400);
    expect(both.body.error.field).toBe('subscriber');
    const badComponent = await admin<{ error: { field: string } }>('POST', '/api/v1/subscribers', {
      subscriber: { endpoint: `${hooks.url}/x`, component_ids: ['api', 'nope'] },
    });
    expect(badComponent.body.error.field).toBe('subscriber.component_ids.1');
    expect((await fetch(`${bulwark.adminUrl}/api/v1/subscribers`)).status).toBe(401);
    const huge = await post('/subscribe', form({ email: `${'a'.repeat(20_000)}@example.com` }));
    expect(huge.status).toBe(413);
  });

  it('webhook: Statuspage payloads for a component change and for a maintenance announced, started and completed', async () => {
    const added = await admin<{ id: string; mode: string }>('POST', '/api/v1/subscribers', {
      subscriber: { endpoint: `${hooks.url}/statuspage`, component_ids: ['api'] },
    });
    expect(added.body.mode).toBe('webhook');
    // Open incidents override what monitors say: close the earlier tests' so the API follows its monitor.
    const { body: open } = await admin<{ incidents: { id: string; status: string }[] }>(
      'GET',
      '/api/v1/incidents',
    );
    for (const incident of open.incidents.filter((i) => i.status !== 'resolved'))
      await admin('PATCH', `/api/v1/incidents/${incident.id}`, { incident: { status: 'resolved' } });
    const bodies = () =>
      hooks.requests.filter((r) => r.url === '/statuspage').map((r) => JSON.parse(r.body) as WebhookBody);

    isApiHealthy = false;
    await eventually(() => bodies().some((b) => b.component_update?.new_status === 'major_outage'), 10_000);
    const change = bodies().find((b) => b.component_update?.new_status === 'major_outage');
    expect(Object.keys(change ?? {})).toEqual(['meta', 'page', 'component_update', 'component']);
    expect(change?.component_update).toMatchObject({ old_status: 'operational', component_id: 'api' });
    expect(change?.component).toMatchObject({ id: 'api', status: 'major_outage' });
    expect(change?.meta.unsubscribe).toMatch(/\/unsubscribe\?token=/);
    expect(hooks.requests.find((r) => r.url === '/statuspage')?.headers['webhook-id']).toBeTruthy();
    isApiHealthy = true;
    await eventually(() => bodies().some((b) => b.component_update?.new_status === 'operational'), 10_000);

    const startsAt = Date.now() + 500;
    const scheduled = await admin<{ id: string }>('POST', '/api/v1/scheduled-maintenances', {
      scheduled_maintenance: {
        name: 'Database upgrade',
        component_ids: ['api'],
        scheduled_for: new Date(startsAt).toISOString(),
        scheduled_until: new Date(startsAt + 1_000).toISOString(),
      },
    });
    expect(scheduled.status).toBe(201);
    const maintenanceStatuses = () =>
      bodies()
        .filter((b) => b.incident?.name === 'Database upgrade')
        .map((b) => b.incident?.status);
    await eventually(
      () => maintenanceStatuses().includes('completed'),
      10_000,
      'the maintenance to complete',
    );
    expect(maintenanceStatuses()).toEqual(['scheduled', 'in_progress', 'completed']);
    const announce = bodies().find((b) => b.incident?.name === 'Database upgrade');
    expect(announce?.incident).toMatchObject({
      impact: 'maintenance',
      scheduled_for: new Date(startsAt).toISOString(),
    });

    // An incident on the dashboard only is not this subscriber's.
    const before = bodies().length;
    await openIncident('Dashboard only', { dashboard: 'partial_outage' });
    await openIncident('API again', { api: 'partial_outage' });
    await eventually(() => bodies().some((b) => b.incident?.name === 'API again'), 10_000);
    expect(
      bodies()
        .slice(before)
        .map((b) => b.incident?.name ?? b.component?.id),
    ).not.toContain('Dashboard only');
  });
});
