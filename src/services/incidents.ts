import { z } from 'zod';
import { impactOf } from '../status/component-status.ts';
import { heldStatusesOf } from '../status/incident-holds.ts';
import {
  componentStatuses,
  impacts,
  incidentStatuses,
  type AffectedComponent,
  type ComponentStatus,
  type Impact,
  type Incident,
  type IncidentStatus,
  type TimelineUpdate,
} from '../status/model.ts';
import { parseDurationMs } from '../core/units.ts';
import { ServiceError } from './service-error.ts';
import { checkComponentIds, isoTimeField, nameField, parseInput, type StatusDeps } from './status-deps.ts';

/**
 * Incidents in Statuspage's management-API shape (`{"incident": {...}}`), so existing scripts port over.
 * Unknown fields inside `incident` are ignored, as Statuspage clients send many we do not model.
 */
const nextUpdateBy = z
  .union(
    [
      isoTimeField.transform((t) => ({ atMs: Date.parse(t) })),
      z
        .string()
        .regex(/^\d+(ms|s|m|h)$/)
        .transform((t) => ({ inMs: parseDurationMs(t) ?? 0 })),
    ],
    {
      error:
        'expected an ISO 8601 time with an offset (2026-11-22T02:00:00+01:00), a duration from now (30m, 2h, 90s), or null',
    },
  )
  .nullable();

const fields = z.object({
  name: nameField.optional(),
  status: z.enum(incidentStatuses).optional(),
  impact_override: z.enum(impacts).nullable().optional(),
  body: z.string().max(20_000).optional(),
  component_ids: z.array(z.string()).optional(),
  components: z.record(z.string(), z.enum(componentStatuses)).optional(),
  deliver_notifications: z.boolean().optional(),
  next_update_by: nextUpdateBy.optional(),
  postmortem_body: z.string().max(100_000).nullable().optional(),
});

const envelope = z.strictObject({ incident: fields });
type Fields = z.output<typeof fields>;

export async function createIncident(deps: StatusDeps, input: unknown): Promise<Incident> {
  const { incident: f } = parseInput(envelope, input, 'incident');
  if (f.name === undefined)
    throw new ServiceError('SVC_INVALID', 'an incident needs a name', 'incident.name');
  return openIncident(deps, {
    name: f.name,
    status: f.status ?? 'investigating',
    impactOverride: f.impact_override ?? null,
    componentIds: affectedIds(deps, f),
    componentStatuses: { ...(f.components ?? {}) },
    postmortemBody: f.postmortem_body ?? null,
    isDraft: false,
    startedAtMs: undefined,
    alertFingerprint: null,
    update: f,
  });
}

/** A draft opened by an alert: on no public surface until published (or auto_publish). */
export async function openDraftIncident(
  deps: StatusDeps,
  draft: {
    name: string;
    body: string;
    componentIds: readonly string[];
    componentStatuses: Record<string, ComponentStatus>;
    alertFingerprint: string;
    startedAtMs: number;
    publish: boolean;
  },
): Promise<Incident> {
  return openIncident(deps, {
    name: draft.name,
    status: 'investigating',
    impactOverride: null,
    componentIds: draft.componentIds,
    componentStatuses: draft.componentStatuses,
    postmortemBody: null,
    isDraft: !draft.publish,
    startedAtMs: draft.startedAtMs,
    alertFingerprint: draft.alertFingerprint,
    update: { body: draft.body },
  });
}

interface NewIncident extends Pick<
  Incident,
  | 'name'
  | 'status'
  | 'impactOverride'
  | 'componentIds'
  | 'componentStatuses'
  | 'postmortemBody'
  | 'isDraft'
  | 'alertFingerprint'
> {
  /** When it began; now when undefined. */
  readonly startedAtMs: number | undefined;
  readonly update: Pick<Fields, 'body' | 'deliver_notifications' | 'next_update_by'>;
}

/** Stores a new incident with its first timeline entry and announces it. */
async function openIncident(deps: StatusDeps, spec: NewIncident): Promise<Incident> {
  const nowMs = deps.nowMs();
  const { update: fields, startedAtMs, ...rest } = spec;
  const update = timelineUpdate(deps, fields, spec.status, nowMs, changesOf(deps, spec.componentStatuses));
  const incident: Incident = {
    ...rest,
    id: deps.newId(),
    impact: spec.impactOverride ?? impactOf(Object.values(spec.componentStatuses)),
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    startedAtMs: startedAtMs ?? nowMs,
    monitoringAtMs: spec.status === 'monitoring' ? nowMs : null,
    resolvedAtMs: isClosed(spec.status) ? nowMs : null,
    updates: [update],
  };
  await deps.book.putIncident(incident);
  await deps.onChange({ kind: 'incident', incident, update, isNew: true });
  return incident;
}

/** Statuspage's PATCH: any field may change; a new status, body or component status adds a timeline entry. */
export async function updateIncident(deps: StatusDeps, id: string, input: unknown): Promise<Incident> {
  const { incident: f } = parseInput(envelope, input, 'incident');
  const current = findIncident(deps, id);
  const nowMs = deps.nowMs();
  const status = f.status ?? current.status;
  const requested = f.components ?? {};
  const isResolving = isClosed(status) && !isClosed(current.status);
  const isReopening = !isClosed(status) && isClosed(current.status);
  // On resolution the incident's overrides let go: each overridden component returns to what it is then.
  const changes = isResolving
    ? releasedChanges(deps, current.id, { ...heldStatusesOf(current), ...requested })
    : changesOf(deps, requested);
  // Resolving let go of the components: a reopened incident holds only those it names again.
  const componentStatuses = isResolving
    ? {}
    : isReopening
      ? { ...requested }
      : { ...current.componentStatuses, ...requested };
  const impactOverride = f.impact_override === undefined ? current.impactOverride : f.impact_override;
  const next: Incident = {
    ...current,
    name: f.name ?? current.name,
    status,
    impactOverride,
    impact: impactOverride ?? impactAfter(current, componentStatuses, isResolving),
    updatedAtMs: nowMs,
    monitoringAtMs: monitoringAtAfter(current, status, nowMs),
    resolvedAtMs: isClosed(status) ? (current.resolvedAtMs ?? nowMs) : null,
    postmortemBody: f.postmortem_body === undefined ? current.postmortemBody : f.postmortem_body,
    componentIds: [...new Set([...current.componentIds, ...affectedIds(deps, f)])],
    componentStatuses,
  };
  const addsEntry = f.body !== undefined || status !== current.status || changes.length > 0;
  const update = addsEntry ? timelineUpdate(deps, f, status, nowMs, changes) : undefined;
  const updated = { ...next, updates: update ? [update, ...current.updates] : current.updates };
  await deps.book.putIncident(updated);
  await deps.onChange({ kind: 'incident', incident: updated, update, isNew: false });
  return updated;
}

/**
 * Without an override, an open incident's impact is that of the statuses it sets. A resolved one keeps its
 * impact (it was that bad), and so does one holding no status (reopened without components): a reopen
 * must not read as "no impact" because resolving let its components go.
 */
function impactAfter(
  current: Incident,
  componentStatuses: Readonly<Record<string, ComponentStatus>>,
  isResolving: boolean,
): Impact {
  if (isResolving) return current.impact;
  const held = Object.values(componentStatuses);
  if (held.length > 0) return impactOf(held);
  // current.impact is an override's when one was set: with it cleared, nothing is left to derive from.
  return current.impactOverride === null ? current.impact : 'none';
}

/** When it entered monitoring: kept through resolution, cleared when it goes back before monitoring. */
function monitoringAtAfter(current: Incident, status: IncidentStatus, nowMs: number): number | null {
  switch (status) {
    case 'investigating':
    case 'identified':
      return null;
    case 'monitoring':
      return current.status === 'monitoring' ? (current.monitoringAtMs ?? nowMs) : nowMs;
    case 'resolved':
    case 'postmortem':
      return current.monitoringAtMs;
  }
}

/**
 * A draft goes public: it appears on the page, the API and the feeds, and subscribers hear of it. Readers
 * first see it now, so it and the updates written while it was a draft are dated now (created_at is never
 * after its updates, as on Statuspage); started_at keeps when the outage began. A "next update by" that
 * has passed while it was a draft keeps its interval from now: readers never see a promise already broken.
 */
export async function publishIncident(deps: StatusDeps, id: string): Promise<Incident> {
  const current = findIncident(deps, id);
  if (!current.isDraft) return current;
  const nowMs = deps.nowMs();
  const updates = current.updates.map((u) => ({
    ...u,
    createdAtMs: nowMs,
    displayAtMs: nowMs,
    nextUpdateByMs:
      u.nextUpdateByMs === null || u.nextUpdateByMs > nowMs
        ? u.nextUpdateByMs
        : nowMs + (u.nextUpdateByMs - u.createdAtMs),
  }));
  const published = { ...current, isDraft: false, createdAtMs: nowMs, updatedAtMs: nowMs, updates };
  await deps.book.putIncident(published);
  await deps.onChange({ kind: 'incident', incident: published, update: published.updates[0], isNew: true });
  return published;
}

export async function deleteIncident(deps: StatusDeps, id: string): Promise<void> {
  findIncident(deps, id);
  await deps.book.deleteIncident(id, deps.nowMs());
  await deps.onChange({ kind: 'deleted' });
}

/** Newest first; drafts only when asked (the admin API lists them, the public page never does). */
export function listIncidents(
  deps: StatusDeps,
  options: { includeDrafts: boolean; limit: number },
): Incident[] {
  return deps.book
    .incidents()
    .filter((i) => options.includeDrafts || !i.isDraft)
    .slice(0, options.limit);
}

export function findIncident(deps: StatusDeps, id: string): Incident {
  const incident = deps.book.incident(id);
  if (!incident) throw new ServiceError('SVC_NOT_FOUND', `no incident with id "${id}"`);
  return incident;
}

function affectedIds(deps: StatusDeps, f: Fields): string[] {
  const ids = [...new Set([...(f.component_ids ?? []), ...Object.keys(f.components ?? {})])];
  checkComponentIds(deps, f.component_ids ?? [], (_, i) => `incident.component_ids.${i}`);
  checkComponentIds(deps, Object.keys(f.components ?? {}), (id) => `incident.components.${id}`);
  return ids;
}

/**
 * Old → new for each requested status that differs from the component's status now. Only these are held
 * (heldStatusesOf): a status the component already had is what the incident says, not an override.
 */
function changesOf(
  deps: StatusDeps,
  requested: Readonly<Record<string, ComponentStatus>>,
): AffectedComponent[] {
  return deps
    .components()
    .filter((c) => requested[c.def.id] !== undefined && requested[c.def.id] !== c.status)
    .map((c) => ({
      code: c.def.id,
      name: c.def.name,
      oldStatus: c.status,
      newStatus: requested[c.def.id] ?? c.status,
    }));
}

/**
 * Old → new for each component this incident held, new being what the component is once the incident lets go:
 * its sources and maintenance, or another unresolved incident or an API override that still holds it.
 */
function releasedChanges(
  deps: StatusDeps,
  incidentId: string,
  overridden: Readonly<Record<string, ComponentStatus>>,
): AffectedComponent[] {
  const after = new Map(deps.componentsWithout(incidentId).map((c) => [c.def.id, c.status]));
  return deps.components().flatMap((c) => {
    const newStatus = after.get(c.def.id) ?? c.derived;
    if (overridden[c.def.id] === undefined || newStatus === c.status) return [];
    return [{ code: c.def.id, name: c.def.name, oldStatus: c.status, newStatus }];
  });
}

function timelineUpdate(
  deps: StatusDeps,
  f: Pick<Fields, 'body' | 'deliver_notifications' | 'next_update_by'>,
  status: IncidentStatus,
  nowMs: number,
  changes: readonly AffectedComponent[],
): TimelineUpdate {
  const next = f.next_update_by;
  return {
    id: deps.newId(),
    status,
    body: f.body ?? '',
    createdAtMs: nowMs,
    displayAtMs: nowMs,
    affectedComponents: changes.length > 0 ? changes : null,
    nextUpdateByMs: isClosed(status) || !next ? null : 'atMs' in next ? next.atMs : nowMs + next.inMs,
    deliverNotifications: f.deliver_notifications ?? true,
  };
}

const isClosed = (status: IncidentStatus): boolean => status === 'resolved' || status === 'postmortem';
