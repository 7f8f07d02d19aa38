import { describe, expect, it } from 'vitest';
import type { StatusView } from '../view.ts';
import {
  baseMs,
  componentView,
  dayMs,
  fixtureView,
  incident,
  maintenance,
  minuteMs,
  statusView,
  update,
} from './fixture.test-support.ts';
import {
  activeMaintenancesDocument,
  componentsDocument,
  incidentsDocument,
  maintenancesDocument,
  statusDocument,
  summaryDocument,
  unresolvedIncidentsDocument,
  upcomingMaintenancesDocument,
} from './statuspage-v2.ts';

const view = fixtureView();

describe('envelopes', () => {
  it.each([
    ['summary', summaryDocument, ['page', 'components', 'incidents', 'scheduled_maintenances', 'status']],
    ['status', statusDocument, ['page', 'status']],
    ['components', componentsDocument, ['page', 'components']],
    ['incidents', incidentsDocument, ['page', 'incidents']],
    ['incidents/unresolved', unresolvedIncidentsDocument, ['page', 'incidents']],
    ['scheduled-maintenances', maintenancesDocument, ['page', 'scheduled_maintenances']],
    ['scheduled-maintenances/upcoming', upcomingMaintenancesDocument, ['page', 'scheduled_maintenances']],
    ['scheduled-maintenances/active', activeMaintenancesDocument, ['page', 'scheduled_maintenances']],
  ] as const)('%s.json has keys %j in order', (_name, document: (v: StatusView) => object, keys) => {
    const body = document(view);
    expect(Object.keys(body)).toEqual(keys);
    expect(Object.keys((body as { page: object }).page)).toEqual([
      'id',
      'name',
      'url',
      'time_zone',
      'updated_at',
    ]);
  });

  it('status is indicator then description', () => {
    const { status } = statusDocument(view);
    expect(Object.keys(status)).toEqual(['indicator', 'description']);
    expect(status).toEqual({ indicator: 'minor', description: 'Partially Degraded Service' });
  });

  it('passes the maintenance indicator live pages return', () => {
    const maintaining = statusView({
      status: { indicator: 'maintenance', description: 'Service Under Maintenance' },
    });
    expect(statusDocument(maintaining).status.indicator).toBe('maintenance');
  });
});

describe('components', () => {
  it('lists groups and children in page order, children pointing at their group', () => {
    const { components } = componentsDocument(view);
    expect(components.map((c) => [c.id, c.group, c.group_id])).toEqual([
      ['core', true, null],
      ['api', false, 'core'],
      ['web', false, 'core'],
      ['docs', false, null],
    ]);
    expect(components[0]?.components).toEqual(['api', 'web']);
    expect(components.slice(1).every((c) => !('components' in c))).toBe(true);
  });
});

describe('incidents', () => {
  it('lists published incidents of every status, newest first', () => {
    expect(incidentsDocument(view).incidents.map((i) => i.id)).toEqual(['open', 'monitoring', 'old', 'pm']);
  });

  it('keeps the 50 most recent, newest first, whatever order the view has them in', () => {
    const many = Array.from({ length: 60 }, (_, n) =>
      incident({ id: `i${n}`, createdAtMs: baseMs + n * minuteMs }),
    );
    const shuffled = [...many.filter((_, n) => n % 2 === 0), ...many.filter((_, n) => n % 2 === 1)];
    const ids = incidentsDocument(statusView({ incidents: shuffled })).incidents.map((i) => i.id);
    expect(ids).toHaveLength(50);
    expect(ids[0]).toBe('i59');
    expect(ids[49]).toBe('i10');
  });

  it('unresolved holds investigating, identified and monitoring only', () => {
    const all = statusView({
      incidents: (['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] as const).map(
        (status, n) => incident({ id: status, status, createdAtMs: baseMs - n * minuteMs }),
      ),
    });
    expect(unresolvedIncidentsDocument(all).incidents.map((i) => i.id)).toEqual([
      'investigating',
      'identified',
      'monitoring',
    ]);
  });
});

describe('drafts', () => {
  it.each([
    ['summary', summaryDocument],
    ['incidents', incidentsDocument],
    ['incidents/unresolved', unresolvedIncidentsDocument],
  ] as const)('never appear in %s.json', (_name, document) => {
    expect(JSON.stringify(document(view))).not.toContain('"draft"');
  });
});

describe('maintenances', () => {
  it('summary holds in_progress and verifying, then scheduled, not completed', () => {
    const { scheduled_maintenances } = summaryDocument(view);
    expect(scheduled_maintenances.map((m) => [m.id, m.status])).toEqual([
      ['running', 'in_progress'],
      ['verifying', 'verifying'],
      ['upcoming', 'scheduled'],
    ]);
    expect(scheduled_maintenances[0]?.components.map((c) => c.id)).toEqual(['web']);
  });

  it('summary holds unresolved incidents only', () => {
    expect(summaryDocument(view).incidents.map((i) => i.id)).toEqual(['open', 'monitoring']);
  });

  it('scheduled-maintenances holds all four: running, then upcoming, then completed', () => {
    expect(maintenancesDocument(view).scheduled_maintenances.map((m) => m.id)).toEqual([
      'running',
      'verifying',
      'upcoming',
      'done',
    ]);
  });

  it('scheduled-maintenances keeps the 50 most recent, soonest first', () => {
    const many = Array.from({ length: 55 }, (_, n) =>
      maintenance({ id: `m${n}`, scheduledForMs: baseMs + n * minuteMs }),
    );
    const ids = maintenancesDocument(statusView({ maintenances: many })).scheduled_maintenances.map(
      (m) => m.id,
    );
    expect(ids).toHaveLength(50);
    expect([ids[0], ids[49]]).toEqual(['m5', 'm54']);
  });

  it('upcoming is scheduled only; active is in_progress and verifying', () => {
    expect(upcomingMaintenancesDocument(view).scheduled_maintenances.map((m) => m.id)).toEqual(['upcoming']);
    expect(activeMaintenancesDocument(view).scheduled_maintenances.map((m) => m.id)).toEqual([
      'running',
      'verifying',
    ]);
  });

  // A widget showing scheduled_maintenances[0] as "next" must get the window that is next, not the farthest.
  it('lists the running window first, then upcoming ones soonest first, in summary and upcoming alike', () => {
    const windows = statusView({
      maintenances: [
        maintenance({ id: 'march', scheduledForMs: baseMs + 120 * dayMs }),
        maintenance({ id: 'in-two-days', scheduledForMs: baseMs + 2 * dayMs }),
        maintenance({ id: 'tomorrow', scheduledForMs: baseMs + dayMs }),
        maintenance({
          id: 'now',
          status: 'in_progress',
          scheduledForMs: baseMs - 10 * minuteMs,
          startedAtMs: baseMs - 10 * minuteMs,
        }),
        maintenance({
          id: 'last-week',
          status: 'completed',
          scheduledForMs: baseMs - 7 * dayMs,
          completedAtMs: baseMs - 7 * dayMs + minuteMs,
        }),
        maintenance({
          id: 'yesterday',
          status: 'completed',
          scheduledForMs: baseMs - dayMs,
          completedAtMs: baseMs - dayMs + minuteMs,
        }),
      ],
    });
    const ids = (list: readonly { id: string }[]) => list.map((m) => m.id);
    expect(ids(summaryDocument(windows).scheduled_maintenances)).toEqual([
      'now',
      'tomorrow',
      'in-two-days',
      'march',
    ]);
    expect(ids(upcomingMaintenancesDocument(windows).scheduled_maintenances)).toEqual([
      'tomorrow',
      'in-two-days',
      'march',
    ]);
    expect(ids(maintenancesDocument(windows).scheduled_maintenances)).toEqual([
      'now',
      'tomorrow',
      'in-two-days',
      'march',
      'yesterday',
      'last-week',
    ]);
  });
});

describe('summary.json bytes', () => {
  it('serializes one component and one incident exactly as Statuspage lays them out', () => {
    const small = statusView({
      status: { indicator: 'minor', description: 'Minor Service Outage' },
      components: [
        componentView({ id: 'api', name: 'API', description: 'The API', status: 'degraded_performance' }),
      ],
      incidents: [
        incident({
          id: 'inc1',
          name: 'Slow API',
          componentIds: ['api'],
          updates: [
            update({
              id: 'u1',
              status: 'investigating',
              body: 'We are looking into it.',
              affectedComponents: [
                { code: 'api', name: 'API', oldStatus: 'operational', newStatus: 'degraded_performance' },
              ],
            }),
          ],
        }),
      ],
    });
    const at = '2022-02-15T13:37:37.407-08:00';
    const component =
      '{"id":"api","name":"API","status":"degraded_performance","created_at":"2022-01-16T13:37:37.407-08:00",' +
      '"updated_at":"2022-02-14T13:37:37.407-08:00","position":1,"description":"The API","showcase":true,' +
      '"start_date":null,"group_id":null,"page_id":"srhpyqt94yxb","group":false,"only_show_if_degraded":false}';
    const expected =
      '{"page":{"id":"srhpyqt94yxb","name":"Acme","url":"https://status.acme.test",' +
      `"time_zone":"America/Los_Angeles","updated_at":"${at}"},` +
      `"components":[${component}],` +
      `"incidents":[{"id":"inc1","name":"Slow API","status":"investigating","created_at":"${at}",` +
      `"updated_at":"${at}","monitoring_at":null,"resolved_at":null,"impact":"minor",` +
      `"shortlink":"https://status.acme.test/incidents/inc1","started_at":"${at}","page_id":"srhpyqt94yxb",` +
      `"incident_updates":[{"id":"u1","status":"investigating","body":"We are looking into it.",` +
      `"incident_id":"inc1","created_at":"${at}","updated_at":"${at}","display_at":"${at}",` +
      '"affected_components":[{"code":"api","name":"API","old_status":"operational",' +
      '"new_status":"degraded_performance"}],"deliver_notifications":true,"custom_tweet":null,"tweet_id":null}],' +
      `"components":[${component}]}],` +
      '"scheduled_maintenances":[],' +
      '"status":{"indicator":"minor","description":"Minor Service Outage"}}';
    expect(JSON.stringify(summaryDocument(small))).toBe(expected);
  });
});
