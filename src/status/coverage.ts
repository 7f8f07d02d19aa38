import type { ComponentDef } from './model.ts';

/** The leaf components a list of ids names: a group stands for its children. */
export function leavesNamed(defs: readonly ComponentDef[], ids: readonly string[]): ComponentDef[] {
  return defs.filter(
    (d) => !d.isGroup && (ids.includes(d.id) || (d.groupId !== null && ids.includes(d.groupId))),
  );
}

/**
 * The leaf components an alert is about, by its labels: its `component`, or a `monitor` or `pool` the
 * component's status is derived from.
 */
export function leavesTouchedBy(
  defs: readonly ComponentDef[],
  labels: Readonly<Record<string, string>>,
): ComponentDef[] {
  const { component, monitor, pool } = labels;
  return defs.filter(
    (d) =>
      !d.isGroup &&
      ((component !== undefined && d.id === component) ||
        (monitor !== undefined && d.monitors.includes(monitor)) ||
        (pool !== undefined && d.pools.includes(pool))),
  );
}
