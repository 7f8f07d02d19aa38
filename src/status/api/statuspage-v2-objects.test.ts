import { describe, expect, it } from 'vitest';
import { componentStatuses, impacts, incidentStatuses, maintenanceStatuses } from '../model.ts';
import {
  baseMs,
  componentView,
  dayMs,
  fixtureView,
  incident,
  maintenance,
  minuteMs,
  page,
  statusView,
  update,
} from './fixture.test-support.ts';
import {
  componentObject,
  incidentObject,
  maintenanceObject,
  pageObject,
  updateObject,
} from './statuspage-v2-objects.ts';

// Key lists copied from shared/reference/statuspage-v2.md, in its order.
const pageKeys = ['id', 'name', 'url', 'time_zone', 'updated_at'];
const componentKeys = [
  'id',
  'name',
  'status',
  'created_at',
  'updated_at',
  'position',
  'description',
  'showcase',
  'start_date',
  'group_id',
  'page_id',
  'group',
  'only_show_if_degraded',
];
const incidentKeys = [
  'id',
  'name',
  'status',
  'created_at',
  'updated_at',
  'monitoring_at',
  'resolved_at',
  'impact',
  'shortlink',
  'started_at',
  'page_id',
  'incident_updates',
  'components',
];
const updateKeys = [
  'id',
  'status',
  'body',
  'incident_id',
  'created_at',
  'updated_at',
  'display_at',
  'affected_components',
  'deliver_notifications',
  'custom_tweet',
  'tweet_id',
];

describe('pageObject', () => {
  it('has time_zone (not timezone) and the zone offset in updated_at', () => {
    const object = pageObject(page);
    expect(Object.keys(object)).toEqual(pageKeys);
    expect(object).toEqual({
      id: 'srhpyqt94yxb',
      name: 'Acme',
      url: 'https://status.acme.test',
      time_zone: 'America/Los_Angeles',
      updated_at: '2022-02-15T13:37:37.407-08:00',
    });
  });

  it('follows daylight saving time', () => {
    const summerMs = Date.parse('2022-07-01T12:00:00.000Z');
    expect(pageObject({ ...page, updatedAtMs: summerMs }).updated_at).toBe('2022-07-01T05:00:00.000-07:00');
  });
});

describe('componentObject', () => {
  it('writes every field in the reference order', () => {
    const api = componentView({
      id: 'api',
      name: 'API',
      position: 2,
      groupId: 'core',
      status: 'major_outage',
    });
    const object = componentObject(api, page);
    expect(Object.keys(object)).toEqual(componentKeys);
    expect(object).toEqual({
      id: 'api',
      name: 'API',
      status: 'major_outage',
      created_at: '2022-01-16T13:37:37.407-08:00',
      updated_at: '2022-02-14T13:37:37.407-08:00',
      position: 2,
      description: null,
      showcase: true,
      start_date: null,
      group_id: 'core',
      page_id: 'srhpyqt94yxb',
      group: false,
      only_show_if_degraded: false,
    });
  });

  it('gives a group its child ids last, after only_show_if_degraded', () => {
    const core = componentView({ id: 'core', name: 'Core', isGroup: true, childIds: ['api', 'web'] });
    const object = componentObject(core, page);
    expect(Object.keys(object)).toEqual([...componentKeys, 'components']);
    expect(object.group).toBe(true);
    expect(object.components).toEqual(['api', 'web']);
  });

  it.each(componentStatuses)('passes status %s through as the wire value', (status) => {
    expect(componentObject(componentView({ id: 'a', name: 'A', status }), page).status).toBe(status);
  });
});

describe('updateObject', () => {
  it('writes every field in the reference order, with affected components as code/name/old/new', () => {
    const object = updateObject(
      update({
        id: 'u1',
        status: 'monitoring',
        body: 'Mitigated.',
        createdAtMs: baseMs,
        displayAtMs: baseMs + minuteMs,
        affectedComponents: [
          { code: 'api', name: 'API', oldStatus: 'major_outage', newStatus: 'operational' },
        ],
        deliverNotifications: false,
      }),
      'inc1',
      page,
    );
    expect(Object.keys(object)).toEqual(updateKeys);
    expect(object).toEqual({
      id: 'u1',
      status: 'monitoring',
      body: 'Mitigated.',
      incident_id: 'inc1',
      created_at: '2022-02-15T13:37:37.407-08:00',
      updated_at: '2022-02-15T13:37:37.407-08:00',
      display_at: '2022-02-15T13:38:37.407-08:00',
      affected_components: [
        { code: 'api', name: 'API', old_status: 'major_outage', new_status: 'operational' },
      ],
      deliver_notifications: false,
      custom_tweet: null,
      tweet_id: null,
    });
    expect(Object.keys(object.affected_components?.[0] ?? {})).toEqual([
      'code',
      'name',
      'old_status',
      'new_status',
    ]);
  });

  it('keeps null affected components null', () => {
    expect(
      updateObject(update({ id: 'u', status: 'investigating' }), 'i', page).affected_components,
    ).toBeNull();
  });
});

describe('incidentObject', () => {
  const view = fixtureView();

  it('writes every field in the reference order', () => {
    const object = incidentObject(
      incident({
        id: 'inc1',
        name: 'Messaging issues',
        status: 'monitoring',
        impact: 'major',
        startedAtMs: baseMs - 2 * minuteMs,
        createdAtMs: baseMs - minuteMs,
        updatedAtMs: baseMs,
        monitoringAtMs: baseMs,
        componentIds: ['web', 'api'],
        updates: [
          update({ id: 'u2', status: 'monitoring', createdAtMs: baseMs }),
          update({ id: 'u1', status: 'investigating', createdAtMs: baseMs - minuteMs }),
        ],
      }),
      view,
    );
    expect(Object.keys(object)).toEqual(incidentKeys);
    expect(object).toMatchObject({
      id: 'inc1',
      name: 'Messaging issues',
      status: 'monitoring',
      created_at: '2022-02-15T13:36:37.407-08:00',
      updated_at: '2022-02-15T13:37:37.407-08:00',
      monitoring_at: '2022-02-15T13:37:37.407-08:00',
      resolved_at: null,
      impact: 'major',
      shortlink: 'https://status.acme.test/incidents/inc1',
      started_at: '2022-02-15T13:35:37.407-08:00',
      page_id: 'srhpyqt94yxb',
    });
    expect(object.incident_updates.map((u) => u.id)).toEqual(['u2', 'u1']);
    // Page order, current status.
    expect(object.components.map((c) => [c.id, c.status])).toEqual([
      ['api', 'degraded_performance'],
      ['web', 'operational'],
    ]);
    expect(Object.keys(object.components[0] ?? {})).toEqual(componentKeys);
  });

  it('skips component ids that are no longer configured', () => {
    const object = incidentObject(incident({ id: 'i', componentIds: ['gone', 'docs'] }), view);
    expect(object.components.map((c) => c.id)).toEqual(['docs']);
  });

  it.each(incidentStatuses.flatMap((status) => impacts.map((impact) => [status, impact] as const)))(
    'passes status %s and impact %s through',
    (status, impact) => {
      const object = incidentObject(incident({ id: 'i', status, impact }), view);
      expect([object.status, object.impact]).toEqual([status, impact]);
    },
  );
});

describe('maintenanceObject', () => {
  const view = statusView({
    components: [componentView({ id: 'db', name: 'Database', status: 'under_maintenance' })],
  });

  it('has the incident fields, then scheduled_for and scheduled_until', () => {
    const object = maintenanceObject(
      maintenance({
        id: 'm1',
        name: 'Database upgrade',
        status: 'completed',
        createdAtMs: baseMs - dayMs,
        updatedAtMs: baseMs,
        scheduledForMs: baseMs - 60 * minuteMs,
        scheduledUntilMs: baseMs,
        startedAtMs: baseMs - 59 * minuteMs,
        completedAtMs: baseMs - minuteMs,
        componentIds: ['db'],
        updates: [update({ id: 'mu1', status: 'completed' })],
      }),
      view,
    );
    expect(Object.keys(object)).toEqual([...incidentKeys, 'scheduled_for', 'scheduled_until']);
    expect(object).toMatchObject({
      status: 'completed',
      monitoring_at: null,
      resolved_at: '2022-02-15T13:36:37.407-08:00',
      impact: 'maintenance',
      shortlink: 'https://status.acme.test/incidents/m1',
      started_at: '2022-02-15T12:38:37.407-08:00',
      scheduled_for: '2022-02-15T12:37:37.407-08:00',
      scheduled_until: '2022-02-15T13:37:37.407-08:00',
    });
    expect(object.incident_updates[0]?.status).toBe('completed');
    expect(object.components[0]?.status).toBe('under_maintenance');
  });

  it('reports the creation time as started_at before it starts (Statuspage never sends null)', () => {
    const object = maintenanceObject(maintenance({ id: 'm', createdAtMs: baseMs, startedAtMs: null }), view);
    expect(object.started_at).toBe('2022-02-15T13:37:37.407-08:00');
    expect(object.resolved_at).toBeNull();
  });

  it.each(maintenanceStatuses)('passes status %s through', (status) => {
    expect(maintenanceObject(maintenance({ id: 'm', status }), view).status).toBe(status);
  });
});
