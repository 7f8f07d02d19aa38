import {
  deriveComponentStatus,
  groupStatus,
  resolveComponentStatus,
  type MonitorState,
  type PoolSignal,
  type SourceSignal,
} from './component-status.ts';
import type { ComponentDef, ComponentStatus } from './model.ts';

/** What a component's status is derived from, read from the running monitors and gateway. */
export interface LiveSignals {
  /** undefined for a monitor that is not running (yet): no signal. */
  readonly monitorState: (id: string) => MonitorState | undefined;
  readonly pool: (name: string) => PoolSignal | undefined;
  /** Components under an active maintenance. */
  readonly inMaintenance: ReadonlySet<string>;
  /** A person's word, from an unresolved incident or the API; it wins. */
  readonly overrides: ReadonlyMap<string, ComponentStatus>;
}

export interface LiveComponent {
  readonly def: ComponentDef;
  readonly status: ComponentStatus;
  /** Without overrides: from sources and maintenance alone. */
  readonly derived: ComponentStatus;
}

/** Every component's status now; a group's is its worst child's. Config order. */
export function liveComponentsOf(defs: readonly ComponentDef[], signals: LiveSignals): LiveComponent[] {
  const leaves = new Map<string, LiveComponent>();
  for (const def of defs) {
    if (def.isGroup) continue;
    const sources: SourceSignal[] = [];
    for (const id of def.monitors) {
      const state = signals.monitorState(id);
      if (state) sources.push({ kind: 'monitor', state });
    }
    for (const name of def.pools) {
      const pool = signals.pool(name);
      if (pool) sources.push({ kind: 'pool', ...pool });
    }
    const fromSources = deriveComponentStatus(sources);
    const inMaintenance = signals.inMaintenance.has(def.id);
    const derived = resolveComponentStatus({ derived: fromSources, inMaintenance });
    const status = resolveComponentStatus({
      derived: fromSources,
      inMaintenance,
      override: signals.overrides.get(def.id),
    });
    leaves.set(def.id, { def, status, derived });
  }
  return defs.map((def) => {
    const leaf = leaves.get(def.id);
    if (leaf) return leaf;
    const children = def.childIds.map((id) => leaves.get(id)).filter((c) => c !== undefined);
    return {
      def,
      status: groupStatus(children.map((c) => c.status)),
      derived: groupStatus(children.map((c) => c.derived)),
    };
  });
}
