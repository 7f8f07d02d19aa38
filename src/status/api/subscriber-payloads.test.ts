import { describe, expect, it } from 'vitest';
import {
  baseMs,
  componentView,
  dayMs,
  fixtureView,
  incident,
  maintenance,
  minuteMs,
  update,
} from './fixture.test-support.ts';
import { componentUpdatePayload, incidentPayload, maintenancePayload } from './subscriber-payloads.ts';

const view = fixtureView();
const unsubscribeUrl = 'https://status.acme.test/?unsubscribe=tok123';
const meta = {
  unsubscribe: unsubscribeUrl,
  documentation: 'https://doers.statuspage.io/customer-notifications/webhooks/',
};
const pageBlock = {
  id: 'srhpyqt94yxb',
  status_indicator: 'minor',
  status_description: 'Partially Degraded Service',
};

// Key lists copied from the reference's example payloads, in their order.
const incidentKeys = [
  'backfilled',
  'created_at',
  'impact',
  'impact_override',
  'monitoring_at',
  'postmortem_body',
  'postmortem_body_last_updated_at',
  'postmortem_ignored',
  'postmortem_notified_subscribers',
  'postmortem_notified_twitter',
  'postmortem_published_at',
  'resolved_at',
  'scheduled_auto_transition',
  'scheduled_for',
  'scheduled_remind_prior',
  'scheduled_reminded_at',
  'scheduled_until',
  'shortlink',
  'status',
  'updated_at',
  'id',
  'organization_id',
  'name',
  'incident_updates',
];
const updateKeys = [
  'body',
  'created_at',
  'display_at',
  'status',
  'twitter_updated_at',
  'updated_at',
  'wants_twitter_update',
  'id',
  'incident_id',
];

describe('componentUpdatePayload', () => {
  it('matches the reference envelope with UTC timestamps', () => {
    const payload = componentUpdatePayload({
      view,
      component: componentView({ id: 'api', name: 'API', createdAtMs: baseMs - dayMs }),
      oldStatus: 'major_outage',
      newStatus: 'operational',
      atMs: baseMs,
      updateId: 'cu1',
      unsubscribeUrl,
    });
    expect(Object.keys(payload)).toEqual(['meta', 'page', 'component_update', 'component']);
    expect(Object.keys(payload.meta)).toEqual(['unsubscribe', 'documentation']);
    expect(Object.keys(payload.page)).toEqual(['id', 'status_indicator', 'status_description']);
    expect(Object.keys(payload.component_update)).toEqual([
      'created_at',
      'new_status',
      'old_status',
      'id',
      'component_id',
    ]);
    expect(Object.keys(payload.component)).toEqual(['created_at', 'id', 'name', 'status']);
    expect(payload).toEqual({
      meta,
      page: pageBlock,
      component_update: {
        created_at: '2022-02-15T21:37:37.407Z',
        new_status: 'operational',
        old_status: 'major_outage',
        id: 'cu1',
        component_id: 'api',
      },
      component: { created_at: '2022-02-14T21:37:37.407Z', id: 'api', name: 'API', status: 'operational' },
    });
  });
});

describe('incidentPayload', () => {
  const resolved = incident({
    id: 'inc1',
    name: 'Virginia Is Down',
    status: 'postmortem',
    impact: 'critical',
    impactOverride: 'critical',
    createdAtMs: baseMs - 60 * minuteMs,
    updatedAtMs: baseMs,
    monitoringAtMs: baseMs - 30 * minuteMs,
    resolvedAtMs: baseMs - 10 * minuteMs,
    postmortemBody: 'What happened.',
    updates: [
      update({ id: 'u3', status: 'postmortem', createdAtMs: baseMs }),
      update({ id: 'u2', status: 'resolved', createdAtMs: baseMs - 10 * minuteMs }),
    ],
  });

  it('has every field of the reference incident, in order, with UTC timestamps', () => {
    const payload = incidentPayload({ view, incident: resolved, unsubscribeUrl });
    expect(payload).not.toBeNull();
    expect(Object.keys(payload ?? {})).toEqual(['meta', 'page', 'incident']);
    expect(payload?.meta).toEqual(meta);
    expect(payload?.page).toEqual(pageBlock);
    expect(Object.keys(payload?.incident ?? {})).toEqual(incidentKeys);
    expect(payload?.incident).toMatchObject({
      backfilled: false,
      created_at: '2022-02-15T20:37:37.407Z',
      impact: 'critical',
      impact_override: 'critical',
      monitoring_at: '2022-02-15T21:07:37.407Z',
      postmortem_body: 'What happened.',
      postmortem_body_last_updated_at: '2022-02-15T21:37:37.407Z',
      postmortem_published_at: '2022-02-15T21:37:37.407Z',
      resolved_at: '2022-02-15T21:27:37.407Z',
      scheduled_auto_transition: false,
      scheduled_for: null,
      scheduled_until: null,
      shortlink: 'https://status.acme.test/incidents/inc1',
      status: 'postmortem',
      updated_at: '2022-02-15T21:37:37.407Z',
      id: 'inc1',
      organization_id: 'srhpyqt94yxb',
      name: 'Virginia Is Down',
    });
  });

  it('carries the reduced update shape, newest first', () => {
    const updates =
      incidentPayload({ view, incident: resolved, unsubscribeUrl })?.incident.incident_updates ?? [];
    expect(updates.map((u) => u.id)).toEqual(['u3', 'u2']);
    expect(Object.keys(updates[1] ?? {})).toEqual(updateKeys);
    expect(updates[1]).toEqual({
      body: 'Update u2.',
      created_at: '2022-02-15T21:27:37.407Z',
      display_at: '2022-02-15T21:27:37.407Z',
      status: 'resolved',
      twitter_updated_at: null,
      updated_at: '2022-02-15T21:27:37.407Z',
      wants_twitter_update: false,
      id: 'u2',
      incident_id: 'inc1',
    });
  });

  it('leaves postmortem times null without a postmortem', () => {
    const open = incidentPayload({ view, incident: incident({ id: 'i' }), unsubscribeUrl })?.incident;
    expect([
      open?.postmortem_published_at,
      open?.postmortem_body_last_updated_at,
      open?.monitoring_at,
    ]).toEqual([null, null, null]);
  });

  it('sends nothing for a draft', () => {
    expect(
      incidentPayload({ view, incident: incident({ id: 'd', isDraft: true }), unsubscribeUrl }),
    ).toBeNull();
  });
});

describe('maintenancePayload', () => {
  it('is an incident with impact maintenance and the scheduled fields set', () => {
    const payload = maintenancePayload({
      view,
      maintenance: maintenance({
        id: 'm1',
        status: 'completed',
        scheduledForMs: baseMs,
        scheduledUntilMs: baseMs + 60 * minuteMs,
        completedAtMs: baseMs + 50 * minuteMs,
        autoTransition: true,
        updates: [update({ id: 'mu1', status: 'completed' })],
      }),
      unsubscribeUrl,
    });
    expect(Object.keys(payload)).toEqual(['meta', 'page', 'incident']);
    expect(Object.keys(payload.incident)).toEqual(incidentKeys);
    expect(payload.incident).toMatchObject({
      impact: 'maintenance',
      impact_override: null,
      monitoring_at: null,
      resolved_at: '2022-02-15T22:27:37.407Z',
      scheduled_auto_transition: true,
      scheduled_for: '2022-02-15T21:37:37.407Z',
      scheduled_until: '2022-02-15T22:37:37.407Z',
      status: 'completed',
      shortlink: 'https://status.acme.test/incidents/m1',
    });
    expect(payload.incident.incident_updates[0]?.status).toBe('completed');
  });
});
