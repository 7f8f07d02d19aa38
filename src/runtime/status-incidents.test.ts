import { afterEach, describe, expect, it } from 'vitest';
import { firingAlert } from '../alerting/alert.ts';
import { updateIncident } from '../services/incidents.ts';
import type { Incident } from '../status/model.ts';
import { startStatusHost, type StatusHostHarness } from './status-host.test-support.ts';

const minuteMs = 60_000;
const startMs = Date.UTC(2026, 10, 20, 9);

// API and Web each have a monitor of their own and share a third (a dependency both need).
const yaml = [
  'monitors:',
  '  - { name: API check, url: "http://127.0.0.1:9/api", type: http }',
  '  - { name: Web check, url: "http://127.0.0.1:9/web", type: http }',
  '  - { name: Shared, url: "http://127.0.0.1:9/shared", type: http }',
  'status_page:',
  '  title: Acme',
  '  components:',
  '    - { name: API, from: { monitors: [api-check, shared] } }',
  '    - { name: Web, from: { monitors: [web-check, shared] } }',
];

const monitorDown = (monitor: string, sinceMs: number) =>
  firingAlert({ alertname: 'monitor-down', monitor, severity: 'critical', source: 'monitor' }, {}, sinceMs);

let harness: StatusHostHarness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

async function started(): Promise<StatusHostHarness> {
  harness = await startStatusHost(yaml, startMs);
  for (const id of ['api-check', 'web-check', 'shared']) harness.monitorStates.set(id, 'up');
  harness.host.monitorChanged();
  return harness;
}

/** Sets monitor states, and lets the page follow. */
function setMonitors(h: StatusHostHarness, states: Record<string, 'up' | 'down'>): void {
  for (const [id, state] of Object.entries(states)) h.monitorStates.set(id, state);
  h.host.monitorChanged();
}

/** Hands the alert to the host as alerting does, and waits until it has been handled. */
async function fire(h: StatusHostHarness, alert: ReturnType<typeof monitorDown>): Promise<void> {
  h.host.alertChanged(alert);
  await h.host.serially(() => Promise.resolve());
}

const drafts = (h: StatusHostHarness): Incident[] => h.host.book.incidents().filter((i) => i.isDraft);

describe('draft incidents from critical alerts', () => {
  it('names the draft after the worst status among the components, not the first', async () => {
    const h = await started();
    // API keeps its own monitor up (partial outage); Web loses both of its (major outage).
    setMonitors(h, { shared: 'down', 'web-check': 'down' });
    await fire(h, monitorDown('shared', h.clock.nowMs()));
    const [draft] = drafts(h);
    expect(draft?.componentStatuses).toEqual({ api: 'partial_outage', web: 'major_outage' });
    expect(draft?.name).toBe('API, Web: major outage');
    expect(draft?.updates[0]?.body).toBe('We are investigating a major outage of API, Web.');
  });

  it("keeps the alert's detail (addresses, ports, check errors) off the public text", async () => {
    harness = await startStatusHost([...yaml, '  auto_publish: true'], startMs);
    const h = harness;
    setMonitors(h, { 'api-check': 'up', 'web-check': 'up', shared: 'up' });
    setMonitors(h, { 'api-check': 'down' });
    const detail = 'API check is down: connect ECONNREFUSED 127.0.0.1:42317';
    await fire(h, { ...monitorDown('api-check', h.clock.nowMs()), annotations: { summary: detail } });
    const [incident] = h.host.book.incidents();
    expect(incident?.isDraft).toBe(false);
    expect(incident?.updates[0]?.body).toBe('We are investigating a partial outage of API.');
    const published = JSON.stringify(await h.page('/api/v2/incidents.json'));
    expect(published).toContain('We are investigating a partial outage of API.');
    const front = await (await fetch(`${h.host.url}/`)).text();
    for (const text of [published, front]) expect(text).not.toMatch(/ECONNREFUSED|42317/);
  });

  it('proposes no status for components the alert leaves operational, and such a draft waits for a person', async () => {
    harness = await startStatusHost([...yaml, '  auto_publish: true'], startMs);
    const h = harness;
    setMonitors(h, { 'api-check': 'up', 'web-check': 'up', shared: 'up' });
    // A certificate close to expiry: critical for the operator, invisible to the page's readers so far.
    const certExpiry = firingAlert(
      { alertname: 'cert-expiry', monitor: 'api-check', severity: 'critical', source: 'monitor' },
      { summary: 'API check: certificate expires in 2 days' },
      h.clock.nowMs(),
    );
    await fire(h, certExpiry);
    const [draft] = h.host.book.incidents();
    expect(draft).toMatchObject({
      isDraft: true,
      name: 'API: investigating',
      componentIds: ['api'],
      impact: 'none',
    });
    expect(draft?.componentStatuses).toEqual({});
    expect(draft?.updates[0]?.body).toBe('We are investigating a possible issue affecting API.');
    expect(draft?.updates[0]?.affectedComponents).toBeNull();
    expect(h.host.live().find((c) => c.def.id === 'api')?.status).toBe('operational');
  });

  it('opens one draft per alert episode: the same alert firing on opens none, firing anew opens another', async () => {
    const h = await started();
    setMonitors(h, { 'api-check': 'down' });
    const firstMs = h.clock.nowMs();
    await fire(h, monitorDown('api-check', firstMs));
    h.clock.advance(minuteMs);
    await fire(h, monitorDown('api-check', firstMs));
    expect(drafts(h)).toHaveLength(1);

    // It recovered and nobody published or discarded the draft; ten minutes later it fails again.
    setMonitors(h, { 'api-check': 'up' });
    h.clock.advance(10 * minuteMs);
    setMonitors(h, { 'api-check': 'down' });
    const againMs = h.clock.nowMs();
    await fire(h, monitorDown('api-check', againMs));
    expect(drafts(h).map((d) => d.startedAtMs)).toEqual([againMs, firstMs]);
  });

  it('lets a draft hold back other alerts on its components while someone may act on it, not forever', async () => {
    const h = await started();
    setMonitors(h, { 'api-check': 'down' });
    await fire(h, monitorDown('api-check', h.clock.nowMs()));
    const [draft] = drafts(h);
    if (!draft) throw new Error('no draft');
    // The shared monitor fails too, in the same outage: still one draft for API.
    setMonitors(h, { shared: 'down' });
    await fire(h, monitorDown('shared', h.clock.nowMs()));
    expect(drafts(h)).toHaveLength(1);

    // Someone edits the draft after 50 minutes: it is being worked on, and keeps holding back.
    h.clock.advance(50 * minuteMs);
    await h.host.serially(() => updateIncident(h.host.deps, draft.id, { incident: { body: 'Checking.' } }));
    h.clock.advance(50 * minuteMs);
    await fire(h, monitorDown('shared', h.clock.nowMs()));
    expect(drafts(h)).toHaveLength(1);

    // Left alone for over an hour, it no longer speaks for what fires next.
    h.clock.advance(11 * minuteMs);
    await fire(h, monitorDown('shared', h.clock.nowMs()));
    expect(drafts(h)).toHaveLength(2);
  });

  it('withdraws an untouched draft when its alert resolves, and leaves one someone edited', async () => {
    const h = await started();
    setMonitors(h, { 'api-check': 'down', 'web-check': 'down' });
    const apiDown = monitorDown('api-check', h.clock.nowMs());
    const webDown = monitorDown('web-check', h.clock.nowMs());
    await fire(h, apiDown);
    await fire(h, webDown);
    const webDraft = drafts(h).find((d) => d.componentIds.includes('web'));
    if (!webDraft) throw new Error('no draft for Web');
    h.clock.advance(minuteMs);
    await h.host.serially(() =>
      updateIncident(h.host.deps, webDraft.id, { incident: { body: 'Checking.' } }),
    );

    // Both recover before anyone publishes: publishing API's draft now would announce an outage that is over.
    setMonitors(h, { 'api-check': 'up', 'web-check': 'up' });
    const endsAtMs = h.clock.nowMs();
    await fire(h, { ...apiDown, status: 'resolved', endsAtMs });
    await fire(h, { ...webDown, status: 'resolved', endsAtMs });
    expect(drafts(h).map((d) => d.id)).toEqual([webDraft.id]);
  });
});
