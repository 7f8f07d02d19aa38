import type { ComponentStatus, Impact } from './model.ts';

/** What a component's status is derived from: its monitors' states, its pools' endpoint health and traffic. */
export type SourceSignal =
  { readonly kind: 'monitor'; readonly state: MonitorState } | ({ readonly kind: 'pool' } & PoolSignal);

export interface PoolSignal {
  readonly healthyShare: number;
  readonly endpoints: number;
  /**
   * Whether active health checks probe the endpoints. Without them every endpoint stays healthy while every
   * request fails (passive ejection spares the last ones): a full healthy share then proves nothing.
   */
  readonly isProbed: boolean;
  /** What its live traffic says (its 5xx share over the last minute); undefined with too little to judge. */
  readonly traffic?: TrafficVerdict | undefined;
}

export type MonitorState = 'up' | 'degraded' | 'down' | 'paused' | 'maintenance' | 'unknown';

/** A pool's traffic: under 10% of requests failing, 10% or more, or all of them. */
export type TrafficVerdict = 'up' | 'failing' | 'down';

/** One source's verdict; `failing` is a pool partly out of service (a partial outage on its own). */
type Verdict = 'up' | 'degraded' | 'failing' | 'down';

const verdictSeverity: Readonly<Record<Verdict, number>> = { up: 0, degraded: 1, failing: 2, down: 3 };

/**
 * All sources down → major_outage; some down or failing → partial_outage; any degraded → degraded_performance.
 * Sources without a signal (unknown and maintenance monitors, paused ones the host knows nothing of; empty
 * pools, unprobed pools without enough traffic) are left out, and a component left with none is operational:
 * no evidence of trouble is not an outage.
 */
export function deriveComponentStatus(sources: readonly SourceSignal[]): ComponentStatus {
  const verdicts = sources.map(verdictOf).filter((v) => v !== undefined);
  if (verdicts.length === 0) return 'operational';
  if (verdicts.every((v) => v === 'down')) return 'major_outage';
  if (verdicts.some((v) => v === 'down' || v === 'failing')) return 'partial_outage';
  if (verdicts.some((v) => v === 'degraded')) return 'degraded_performance';
  return 'operational';
}

function verdictOf(source: SourceSignal): Verdict | undefined {
  if (source.kind === 'pool') return poolVerdictOf(source);
  switch (source.state) {
    case 'up':
    case 'degraded':
    case 'down':
      return source.state;
    case 'paused':
    case 'maintenance':
    case 'unknown':
      return undefined;
  }
}

/** The worse of what its endpoints' health and its traffic say: users see the failures a probe misses. */
function poolVerdictOf(pool: PoolSignal): Verdict | undefined {
  // A pool without endpoints has nothing to judge (e.g. all drained for maintenance); NaN likewise.
  if (pool.endpoints <= 0 || Number.isNaN(pool.healthyShare)) return undefined;
  const byHealth =
    pool.healthyShare <= 0 ? 'down' : pool.healthyShare < 1 ? 'failing' : pool.isProbed ? 'up' : undefined;
  if (byHealth === undefined || pool.traffic === undefined) return byHealth ?? pool.traffic;
  return verdictSeverity[pool.traffic] > verdictSeverity[byHealth] ? pool.traffic : byHealth;
}

export interface StatusInputs {
  readonly derived: ComponentStatus;
  readonly inMaintenance: boolean;
  /** Set by an unresolved incident or through the API; null or absent when nobody has. */
  readonly override?: ComponentStatus | null | undefined;
}

/** A person's word beats the schedule, and the schedule beats the probes (which fail by design in a window). */
export function resolveComponentStatus({ derived, inMaintenance, override }: StatusInputs): ComponentStatus {
  if (override !== undefined && override !== null) return override;
  return inMaintenance ? 'under_maintenance' : derived;
}

/**
 * Worst first. Maintenance ranks below every outage: it is announced and expected, so an unplanned problem
 * elsewhere in the group is the news; it ranks above operational because part of the group is not serving
 * normally. The page indicator orders them the same way.
 */
const statusSeverity: Readonly<Record<ComponentStatus, number>> = {
  major_outage: 4,
  partial_outage: 3,
  degraded_performance: 2,
  under_maintenance: 1,
  operational: 0,
};

/** A group shows its worst child; an empty group is operational. */
export function groupStatus(children: readonly ComponentStatus[]): ComponentStatus {
  let worst: ComponentStatus = 'operational';
  for (const status of children) if (statusSeverity[status] > statusSeverity[worst]) worst = status;
  return worst;
}

/** An incident's impact from the statuses of the components it affects; maintenance is no impact. */
export function impactOf(statuses: readonly ComponentStatus[]): Impact {
  if (statuses.includes('major_outage')) return 'critical';
  if (statuses.includes('partial_outage')) return 'major';
  if (statuses.includes('degraded_performance')) return 'minor';
  return 'none';
}
