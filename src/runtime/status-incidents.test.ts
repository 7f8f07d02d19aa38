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
    expect(draft?.updates[0]?.body).toBe('We are investigating major outage of API, Web.');
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
});
