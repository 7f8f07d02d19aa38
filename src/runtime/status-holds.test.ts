import { afterEach, describe, expect, it } from 'vitest';
import { firingAlert } from '../alerting/alert.ts';
import { createIncident, publishIncident, updateIncident } from '../services/incidents.ts';
import type { AffectedComponent, ComponentStatus, Incident } from '../status/model.ts';
import { startStatusHost, type StatusHostHarness } from './status-host.test-support.ts';

const minuteMs = 60_000;
const startMs = Date.UTC(2026, 10, 20, 9);

const yaml = [
  'monitors:',
  '  - { name: API check, url: "http://127.0.0.1:9/api", type: http }',
  '  - { name: Search check, url: "http://127.0.0.1:9/search", type: http }',
  '  - { name: Web check, url: "http://127.0.0.1:9/web", type: http }',
  'status_page:',
  '  title: Acme',
  '  components:',
  '    - { name: API, from: { monitors: [api-check, search-check] } }',
  '    - { name: Search, from: { monitors: [search-check, web-check] } }',
  '    - { name: Web, from: { monitors: [web-check] } }',
];

let harness: StatusHostHarness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

async function started(): Promise<StatusHostHarness> {
  harness = await startStatusHost(yaml, startMs);
  setMonitors(harness, { 'api-check': 'up', 'search-check': 'up', 'web-check': 'up' });
  return harness;
}

function setMonitors(h: StatusHostHarness, states: Record<string, 'up' | 'down'>): void {
  for (const [id, state] of Object.entries(states)) h.monitorStates.set(id, state);
  h.host.monitorChanged();
}

const statuses = (h: StatusHostHarness): Record<string, ComponentStatus> =>
  Object.fromEntries(h.host.live().map((c) => [c.def.id, c.status]));

const changes = (update: { affectedComponents: readonly AffectedComponent[] | null } | undefined) =>
  update?.affectedComponents?.map((c) => `${c.code}: ${c.oldStatus} → ${c.newStatus}`) ?? null;

const run = <T>(h: StatusHostHarness, verb: () => Promise<T>): Promise<T> => h.host.serially(verb);

describe('what an incident holds', () => {
  it('a published draft proposing what the monitors say holds nothing: the components follow them', async () => {
    const h = await started();
    // The shared search monitor fails: API and Search are each half down (partial outage).
    setMonitors(h, { 'search-check': 'down' });
    h.host.alertChanged(
      firingAlert(
        { alertname: 'monitor-down', monitor: 'search-check', severity: 'critical', source: 'monitor' },
        {},
        h.clock.nowMs(),
      ),
    );
    await run(h, () => Promise.resolve());
    const [draft] = h.host.book.incidents();
    if (!draft) throw new Error('no draft');
    expect(draft.name).toBe('API, Search: partial outage');
    expect(changes(draft.updates[0])).toBeNull();
    // A person adds a status the page does not show: that one is theirs to hold.
    h.clock.advance(minuteMs);
    await run(h, () =>
      updateIncident(h.host.deps, draft.id, { incident: { components: { web: 'degraded_performance' } } }),
    );
    await run(h, () => publishIncident(h.host.deps, draft.id));
    expect(statuses(h)).toMatchObject({
      api: 'partial_outage',
      search: 'partial_outage',
      web: 'degraded_performance',
    });

    // The monitor recovers while the incident is still open: API and Search show it; Web stays as set.
    setMonitors(h, { 'search-check': 'up' });
    expect(statuses(h)).toMatchObject({
      api: 'operational',
      search: 'operational',
      web: 'degraded_performance',
    });

    // Resolving records only what it changes: Web let go; API and Search moved with their monitor, not now.
    h.clock.advance(minuteMs);
    const resolved = await run(h, () =>
      updateIncident(h.host.deps, draft.id, { incident: { status: 'resolved' } }),
    );
    expect(changes(resolved.updates[0])).toEqual(['web: degraded_performance → operational']);
    expect(statuses(h)).toMatchObject({ web: 'operational' });
  });

  it('an incident a person opens with the status a component already has leaves it to its monitors', async () => {
    const h = await started();
    setMonitors(h, { 'web-check': 'down' });
    expect(statuses(h)).toMatchObject({ web: 'major_outage' });
    const incident: Incident = await run(h, () =>
      createIncident(h.host.deps, {
        incident: { name: 'Web down', components: { web: 'major_outage', api: 'degraded_performance' } },
      }),
    );
    expect(changes(incident.updates[0])).toEqual(['api: operational → degraded_performance']);
    expect(incident.impact).toBe('critical');

    setMonitors(h, { 'web-check': 'up' });
    expect(statuses(h)).toMatchObject({ web: 'operational', api: 'degraded_performance' });
  });
});
