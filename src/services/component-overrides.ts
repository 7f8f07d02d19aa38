import { z } from 'zod';
import { componentStatuses } from '../status/model.ts';
import type { ComponentRecord } from '../status/status-store.ts';
import { ServiceError } from './service-error.ts';
import { parseInput, type StatusDeps } from './status-deps.ts';

// Statuspage's PATCH /components/{id} body; `"status": null` is ours: hand the component back to its sources.
const envelope = z.strictObject({
  component: z.object({ status: z.enum(componentStatuses).nullable() }),
});

/** Sets (or clears) a person's override of one component's status; it wins over monitors and maintenance. */
export async function overrideComponent(
  deps: StatusDeps,
  id: string,
  input: unknown,
): Promise<ComponentRecord> {
  const { component } = parseInput(envelope, input, 'component');
  const live = deps.components().find((c) => c.def.id === id);
  if (!live) throw new ServiceError('SVC_NOT_FOUND', `no component with id "${id}"`);
  if (live.def.isGroup)
    throw new ServiceError(
      'SVC_INVALID',
      'a group has no status of its own: set its components',
      'component.status',
    );
  const nowMs = deps.nowMs();
  const record = deps.book.record(id) ?? {
    id,
    createdAtMs: nowMs,
    status: live.status,
    updatedAtMs: nowMs,
    override: null,
  };
  const next = { ...record, override: component.status };
  await deps.book.putRecord(next);
  const newStatus = component.status ?? live.derived;
  await deps.onChange({ kind: 'component', componentId: id, oldStatus: live.status, newStatus, atMs: nowMs });
  return next;
}
