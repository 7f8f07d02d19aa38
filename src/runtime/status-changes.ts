import type { LiveComponent } from '../status/live-components.ts';
import type { ComponentStatus } from '../status/model.ts';
import type { StatusBook } from '../status/status-book.ts';

/** A component whose status moved (or that has no record yet), seen at atMs. */
export interface StatusChange {
  readonly component: LiveComponent;
  readonly oldStatus: ComponentStatus;
  readonly atMs: number;
}

/** What moved from `before` to `after`; a component without a record counts, so that it gets one. */
export function statusChangesOf(
  before: readonly LiveComponent[],
  after: readonly LiveComponent[],
  book: StatusBook,
  atMs: number,
): StatusChange[] {
  const was = new Map(before.map((c) => [c.def.id, c.status]));
  return after.flatMap((c) => {
    const old = was.get(c.def.id) ?? book.record(c.def.id)?.status;
    if (old === c.status && book.record(c.def.id)) return [];
    return [{ component: c, oldStatus: old ?? c.status, atMs }];
  });
}

/** Stores each component's status; its updated_at moves only when the status did. */
export async function recordStatuses(book: StatusBook, changes: readonly StatusChange[]): Promise<void> {
  for (const { component: c, atMs } of changes) {
    const record = book.record(c.def.id);
    await book.putRecord({
      id: c.def.id,
      createdAtMs: record?.createdAtMs ?? atMs,
      status: c.status,
      updatedAtMs: record && record.status === c.status ? record.updatedAtMs : atMs,
      override: record?.override ?? null,
    });
  }
}
