import type { ComponentView, DayUptime, LatencyPoint, StatusView } from './view.ts';

/**
 * The part of a component that moves only when the host refreshes the uptime history (once a minute): 90 days
 * and 24 latency points, nearly all of a view. Posted with every view, it cost the host's event loop 6 to 8 ms
 * per rebuild at 200 components (1.7 MB cloned), and rebuilds come every 100 ms while monitors change.
 */
export type ComponentHistory = Pick<ComponentView, 'days' | 'uptime90d' | 'latency'>;

/** A component as it crosses to the worker: `history` is left out when the worker was last sent the same. */
export interface WireComponent extends Omit<ComponentView, keyof ComponentHistory> {
  readonly history: ComponentHistory | undefined;
}

export interface WireView extends Omit<StatusView, 'components'> {
  readonly components: readonly WireComponent[];
}

/** Each component's history by id, as one side of the wire last had it. */
export type HistoriesSent = ReadonlyMap<string, ComponentHistory>;

/** The view to post, given what the worker already holds; and what it will hold once it has this one. */
export function wireViewOf(view: StatusView, sent: HistoriesSent): { wire: WireView; sent: HistoriesSent } {
  const next = new Map<string, ComponentHistory>();
  const components = view.components.map(({ days, uptime90d, latency, ...component }): WireComponent => {
    const history = { days, uptime90d, latency };
    const last = sent.get(component.id);
    const isKnown = last !== undefined && isSameHistory(last, history);
    next.set(component.id, isKnown ? last : history);
    return { ...component, history: isKnown ? undefined : history };
  });
  return { wire: { ...view, components }, sent: next };
}

/** The whole view again, on the worker: a component sent without its history has the one it was sent last. */
export function viewOfWire(wire: WireView, known: HistoriesSent): { view: StatusView; known: HistoriesSent } {
  const next = new Map<string, ComponentHistory>();
  const components = wire.components.map(({ history, ...component }): ComponentView => {
    const kept = history ?? known.get(component.id);
    if (kept === undefined)
      throw new Error(`the status site worker has no history for component ${component.id}`);
    next.set(component.id, kept);
    return { ...component, ...kept };
  });
  return { view: { ...wire, components }, known: next };
}

function isSameHistory(a: ComponentHistory, b: ComponentHistory): boolean {
  return (
    a.uptime90d === b.uptime90d &&
    isSameList(a.days, b.days, isSameDay) &&
    isSameList(a.latency, b.latency, isSamePoint)
  );
}

function isSameList<T>(a: readonly T[], b: readonly T[], isSame: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!isSame(a[i]!, b[i]!)) return false;
  return true;
}

// Field by field, written out: a loop over field names took three times as long. site-wire.test.ts fails
// when a field of DayUptime or LatencyPoint is not compared here.
const isSameDay = (x: DayUptime, y: DayUptime): boolean =>
  x.date === y.date &&
  x.upMs === y.upMs &&
  x.degradedMs === y.degradedMs &&
  x.downMs === y.downMs &&
  x.excludedMs === y.excludedMs &&
  x.uptime === y.uptime;
const isSamePoint = (x: LatencyPoint, y: LatencyPoint): boolean => x.atMs === y.atMs && x.p50Ms === y.p50Ms;
