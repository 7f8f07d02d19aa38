import { z } from 'zod';
import {
  maintenanceStatuses,
  type Maintenance,
  type MaintenanceStatus,
  type TimelineUpdate,
} from '../status/model.ts';
import type { Transition } from '../status/schedule/maintenance-transitions.ts';
import { ServiceError } from './service-error.ts';
import { checkComponentIds, isoTimeField, nameField, parseInput, type StatusDeps } from './status-deps.ts';

/**
 * Scheduled maintenance through the API: `{"scheduled_maintenance": {...}}`, or Statuspage's own form, an
 * `incident` with scheduled_for/scheduled_until. Recurring windows come from config (status_page.maintenance).
 */
const isoMs = isoTimeField.transform((t) => Date.parse(t));

const fields = z.object({
  name: nameField.optional(),
  status: z.enum(maintenanceStatuses).optional(),
  body: z.string().max(20_000).optional(),
  component_ids: z.array(z.string()).optional(),
  scheduled_for: isoMs.optional(),
  scheduled_until: isoMs.optional(),
  drain: z.array(z.string()).optional(),
  auto_transition: z.boolean().optional(),
  deliver_notifications: z.boolean().optional(),
});

const envelope = z.union(
  [
    z.strictObject({ scheduled_maintenance: fields }).transform((e) => e.scheduled_maintenance),
    z.strictObject({ incident: fields }).transform((e) => e.incident),
  ],
  { error: 'expected {"scheduled_maintenance": {...}} (or Statuspage\'s {"incident": {...}})' },
);
type Fields = z.output<typeof fields>;

export async function scheduleMaintenance(deps: StatusDeps, input: unknown): Promise<Maintenance> {
  const f = parseInput(envelope, input, 'scheduled_maintenance');
  const field = (name: string) => `scheduled_maintenance.${name}`;
  if (f.name === undefined)
    throw new ServiceError('SVC_INVALID', 'a maintenance needs a name', field('name'));
  if (f.scheduled_for === undefined)
    throw new ServiceError(
      'SVC_INVALID',
      'give scheduled_for (ISO 8601 with offset)',
      field('scheduled_for'),
    );
  if (f.scheduled_until === undefined)
    throw new ServiceError(
      'SVC_INVALID',
      'give scheduled_until (ISO 8601 with offset)',
      field('scheduled_until'),
    );
  if (f.scheduled_until <= f.scheduled_for)
    throw new ServiceError(
      'SVC_INVALID',
      'scheduled_until must be after scheduled_for',
      field('scheduled_until'),
    );
  checkTargets(deps, f);
  const nowMs = deps.nowMs();
  const maintenance: Maintenance = {
    id: deps.newId(),
    name: f.name,
    status: 'scheduled',
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    scheduledForMs: f.scheduled_for,
    scheduledUntilMs: f.scheduled_until,
    startedAtMs: null,
    completedAtMs: null,
    componentIds: f.component_ids ?? [],
    drain: f.drain ?? [],
    autoTransition: f.auto_transition ?? true,
    updates: [],
    seriesId: null,
  };
  const update = maintenanceUpdate(deps.newId(), 'scheduled', f.body ?? '', nowMs, f.deliver_notifications);
  const scheduled = { ...maintenance, updates: [update] };
  await deps.book.putMaintenance(scheduled);
  await deps.onChange({ kind: 'maintenance', maintenance: scheduled, update, isNew: true });
  return scheduled;
}

/** A person moves it on (verifying, completed, or in_progress early), reschedules it, or posts an update. */
export async function updateMaintenance(deps: StatusDeps, id: string, input: unknown): Promise<Maintenance> {
  const f = parseInput(envelope, input, 'scheduled_maintenance');
  const current = findMaintenance(deps, id);
  checkTargets(deps, f);
  const nowMs = deps.nowMs();
  const status = f.status ?? current.status;
  const next: Maintenance = {
    ...current,
    name: f.name ?? current.name,
    status,
    updatedAtMs: nowMs,
    scheduledForMs: f.scheduled_for ?? current.scheduledForMs,
    scheduledUntilMs: f.scheduled_until ?? current.scheduledUntilMs,
    startedAtMs: current.startedAtMs ?? (status === 'scheduled' ? null : nowMs),
    completedAtMs: current.completedAtMs ?? (status === 'completed' ? nowMs : null),
    componentIds: f.component_ids ?? current.componentIds,
    drain: f.drain ?? current.drain,
    autoTransition: f.auto_transition ?? current.autoTransition,
  };
  if (next.scheduledUntilMs <= next.scheduledForMs)
    throw new ServiceError(
      'SVC_INVALID',
      'scheduled_until must be after scheduled_for',
      'scheduled_maintenance.scheduled_until',
    );
  const addsEntry = f.body !== undefined || status !== current.status;
  const update = addsEntry
    ? maintenanceUpdate(deps.newId(), status, f.body ?? '', nowMs, f.deliver_notifications)
    : undefined;
  const updated = { ...next, updates: update ? [update, ...current.updates] : current.updates };
  await deps.book.putMaintenance(updated);
  await deps.onChange({ kind: 'maintenance', maintenance: updated, update, isNew: false });
  return updated;
}

/**
 * Cancels: a maintenance that has not started disappears (as Statuspage deletes it), and an occurrence of a
 * recurring window is skipped for good; one under way is completed now, so its record and the time excluded
 * from uptime stay true.
 */
export async function cancelMaintenance(deps: StatusDeps, id: string): Promise<Maintenance | undefined> {
  const current = findMaintenance(deps, id);
  if (current.status === 'scheduled') {
    const { seriesId } = current;
    if (seriesId === null) await deps.book.deleteMaintenance(id, deps.nowMs());
    else await deps.book.skipOccurrence({ ...current, seriesId }, deps.nowMs());
    await deps.onChange({ kind: 'deleted' });
    return undefined;
  }
  if (current.status === 'completed') return current;
  return updateMaintenance(deps, id, {
    scheduled_maintenance: { status: 'completed', body: 'This maintenance was ended early.' },
  });
}

/** The host's own move at the window's start or end (no person involved), dated as dueTransition says. */
export async function transitionMaintenance(
  deps: StatusDeps,
  id: string,
  transition: Transition,
): Promise<Maintenance> {
  const current = findMaintenance(deps, id);
  const { status, atMs } = transition;
  const body =
    status === 'in_progress'
      ? 'Scheduled maintenance is in progress.'
      : 'Scheduled maintenance has been completed.';
  const update = maintenanceUpdate(deps.newId(), status, body, atMs, true);
  const moved: Maintenance = {
    ...current,
    status,
    // A move dated in the past (the process was down) must not make the document look older than it was.
    updatedAtMs: Math.max(current.updatedAtMs, atMs),
    startedAtMs: current.startedAtMs ?? transition.startedAtMs,
    completedAtMs: status === 'completed' ? atMs : current.completedAtMs,
    updates: [update, ...current.updates],
  };
  await deps.book.putMaintenance(moved);
  await deps.onChange({ kind: 'maintenance', maintenance: moved, update, isNew: false });
  return moved;
}

export function listMaintenances(deps: StatusDeps, limit: number): Maintenance[] {
  return deps.book.maintenances().slice(0, limit);
}

export function findMaintenance(deps: StatusDeps, id: string): Maintenance {
  const maintenance = deps.book.maintenance(id);
  if (!maintenance) throw new ServiceError('SVC_NOT_FOUND', `no scheduled maintenance with id "${id}"`);
  return maintenance;
}

function checkTargets(deps: StatusDeps, f: Fields): void {
  checkComponentIds(deps, f.component_ids ?? [], (_, i) => `scheduled_maintenance.component_ids.${i}`);
  (f.drain ?? []).forEach((target, i) => {
    if (!deps.endpointExists(target))
      throw new ServiceError(
        'SVC_INVALID',
        `"${target}" is not POOL/ENDPOINT of a gateway endpoint (its host:port, as in GET /api/v1/pools)`,
        `scheduled_maintenance.drain.${i}`,
      );
  });
}

export function maintenanceUpdate(
  id: string,
  status: MaintenanceStatus,
  body: string,
  atMs: number,
  deliverNotifications = true,
): TimelineUpdate {
  return {
    id,
    status,
    body,
    createdAtMs: atMs,
    displayAtMs: atMs,
    affectedComponents: null,
    nextUpdateByMs: null,
    deliverNotifications,
  };
}
