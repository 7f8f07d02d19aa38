import type { Incident, Maintenance, TimelineUpdate } from '../model.ts';
import type { ComponentView, PageInfo, StatusView } from '../view.ts';

// A small page for this folder's tests, in Los Angeles so every timestamp shows a non-zero offset.

/** Discord's reference instant: 2022-02-15T13:37:37.407-08:00. */
export const baseMs = Date.parse('2022-02-15T21:37:37.407Z');
export const minuteMs = 60_000;
export const dayMs = 86_400_000;

export const page: PageInfo = {
  id: 'srhpyqt94yxb',
  name: 'Acme',
  url: 'https://status.acme.test',
  timeZone: 'America/Los_Angeles',
  updatedAtMs: baseMs,
  offersEmail: false,
};

type With<T, K extends keyof T> = Partial<T> & Pick<T, K>;

export function componentView(fields: With<ComponentView, 'id' | 'name'>): ComponentView {
  return {
    description: null,
    position: 1,
    groupId: null,
    isGroup: false,
    childIds: [],
    monitors: [],
    pools: [],
    status: 'operational',
    createdAtMs: baseMs - 30 * dayMs,
    updatedAtMs: baseMs - dayMs,
    days: [],
    uptime90d: null,
    latency: [],
    ...fields,
  };
}

export function update(fields: With<TimelineUpdate, 'id' | 'status'>): TimelineUpdate {
  return {
    body: `Update ${fields.id}.`,
    createdAtMs: baseMs,
    displayAtMs: fields.createdAtMs ?? baseMs,
    affectedComponents: null,
    nextUpdateByMs: null,
    deliverNotifications: true,
    ...fields,
  };
}

export function incident(fields: With<Incident, 'id'>): Incident {
  return {
    name: `Incident ${fields.id}`,
    status: 'investigating',
    impact: 'minor',
    impactOverride: null,
    isDraft: false,
    createdAtMs: baseMs,
    updatedAtMs: baseMs,
    startedAtMs: baseMs,
    monitoringAtMs: null,
    resolvedAtMs: null,
    postmortemBody: null,
    componentIds: [],
    componentStatuses: {},
    updates: [],
    alertFingerprint: null,
    ...fields,
  };
}

export function maintenance(fields: With<Maintenance, 'id'>): Maintenance {
  return {
    name: `Maintenance ${fields.id}`,
    status: 'scheduled',
    createdAtMs: baseMs - dayMs,
    updatedAtMs: baseMs - dayMs,
    scheduledForMs: baseMs + dayMs,
    scheduledUntilMs: baseMs + dayMs + 60 * minuteMs,
    startedAtMs: null,
    completedAtMs: null,
    componentIds: [],
    drain: [],
    autoTransition: true,
    updates: [],
    seriesId: null,
    ...fields,
  };
}

export function statusView(fields: Partial<StatusView> = {}): StatusView {
  return {
    page,
    status: { indicator: 'none', description: 'All Systems Operational' },
    components: [],
    incidents: [],
    maintenances: [],
    nowMs: baseMs,
    ...fields,
  };
}

/** A group "Core" (API, Web), a standalone "Docs"; incidents in every state and a draft; four maintenances. */
export function fixtureView(): StatusView {
  return statusView({
    status: { indicator: 'minor', description: 'Partially Degraded Service' },
    components: [
      componentView({ id: 'core', name: 'Core', position: 1, isGroup: true, childIds: ['api', 'web'] }),
      componentView({ id: 'api', name: 'API', position: 2, groupId: 'core', status: 'degraded_performance' }),
      componentView({ id: 'web', name: 'Web', position: 3, groupId: 'core' }),
      componentView({ id: 'docs', name: 'Docs', position: 4, description: 'Guides and reference' }),
    ],
    incidents: [
      incident({
        id: 'open',
        name: 'Slow API',
        componentIds: ['api'],
        createdAtMs: baseMs - 10 * minuteMs,
        updates: [update({ id: 'open-1', status: 'investigating', createdAtMs: baseMs - 10 * minuteMs })],
      }),
      incident({ id: 'draft', isDraft: true, createdAtMs: baseMs - 5 * minuteMs }),
      incident({ id: 'monitoring', status: 'monitoring', createdAtMs: baseMs - 60 * minuteMs }),
      incident({
        id: 'old',
        status: 'resolved',
        createdAtMs: baseMs - 2 * dayMs,
        resolvedAtMs: baseMs - dayMs,
      }),
      incident({
        id: 'pm',
        status: 'postmortem',
        createdAtMs: baseMs - 3 * dayMs,
        resolvedAtMs: baseMs - 3 * dayMs,
      }),
    ],
    maintenances: [
      maintenance({
        id: 'upcoming',
        scheduledForMs: baseMs + 2 * dayMs,
        scheduledUntilMs: baseMs + 2 * dayMs + 60 * minuteMs,
      }),
      maintenance({
        id: 'verifying',
        status: 'verifying',
        scheduledForMs: baseMs - 30 * minuteMs,
        startedAtMs: baseMs - 30 * minuteMs,
      }),
      maintenance({
        id: 'running',
        status: 'in_progress',
        scheduledForMs: baseMs - 60 * minuteMs,
        startedAtMs: baseMs - 60 * minuteMs,
        componentIds: ['web'],
      }),
      maintenance({
        id: 'done',
        status: 'completed',
        scheduledForMs: baseMs - 5 * dayMs,
        startedAtMs: baseMs - 5 * dayMs,
        completedAtMs: baseMs - 5 * dayMs + 60 * minuteMs,
      }),
    ],
  });
}
