import type { ComponentStatus, Impact, Indicator, PageStatus } from './model.ts';

/**
 * The page's rollup (status.json), after Statuspage (shared/reference/statuspage-v2.md). Pass leaf components
 * only (see leafStatuses): a group's status repeats its worst child, and counting it would weigh that child
 * twice in "all components" below.
 *
 * With two or more components the indicator is the worst status; the description adds whether all
 * components share it:
 *   all major_outage → Major System Outage (critical)    some major_outage → Partial System Outage (critical)
 *   all partial_outage → Partial System Outage (major)    some partial_outage → Minor Service Outage (major)
 *   all degraded → Degraded System Service (minor)        some degraded → Partially Degraded Service (minor)
 *   any under_maintenance → Service Under Maintenance     else All Systems Operational (none)
 * Whatever the components say, an unresolved incident raises the indicator to its impact, with that
 * indicator's usual description (minor → Minor Service Outage, major → Partial System Outage, critical →
 * Major System Outage); an incident is someone's statement that things are worse than the probes show.
 */
export function pageStatus(
  componentStatuses: readonly ComponentStatus[],
  unresolvedIncidentImpacts: readonly Impact[],
): PageStatus {
  const fromComponents = rollup(componentStatuses);
  const incidentImpact = worstImpact(unresolvedIncidentImpacts);
  if (indicatorRank[incidentImpact] > indicatorRank[fromComponents.indicator])
    return { indicator: incidentImpact, description: impactDescriptions[incidentImpact] };
  return fromComponents;
}

/** The statuses that count in the rollup: leaves, not groups (their children count instead). */
export function leafStatuses(
  components: readonly { readonly isGroup: boolean; readonly status: ComponentStatus }[],
): ComponentStatus[] {
  return components.filter((c) => !c.isGroup).map((c) => c.status);
}

const allOperational: PageStatus = { indicator: 'none', description: 'All Systems Operational' };

const singleComponent: Readonly<Record<ComponentStatus, PageStatus>> = {
  operational: allOperational,
  under_maintenance: { indicator: 'maintenance', description: 'Service Under Maintenance' },
  degraded_performance: { indicator: 'minor', description: 'Partially Degraded Service' },
  partial_outage: { indicator: 'major', description: 'Partial System Outage' },
  major_outage: { indicator: 'critical', description: 'Major System Outage' },
};

const impactDescriptions: Readonly<Record<Impact, string>> = {
  none: 'All Systems Operational',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major System Outage',
};

/** Maintenance sits between none and minor, as under_maintenance does among component statuses. */
const indicatorRank: Readonly<Record<Indicator, number>> = {
  none: 0,
  maintenance: 1,
  minor: 2,
  major: 3,
  critical: 4,
};

function rollup(statuses: readonly ComponentStatus[]): PageStatus {
  const [only, ...others] = statuses;
  if (only === undefined) return allOperational;
  if (others.length === 0) return singleComponent[only];
  const all = (status: ComponentStatus) => statuses.every((s) => s === status);
  const any = (status: ComponentStatus) => statuses.includes(status);
  if (any('major_outage'))
    return {
      indicator: 'critical',
      description: all('major_outage') ? 'Major System Outage' : 'Partial System Outage',
    };
  if (any('partial_outage'))
    return {
      indicator: 'major',
      description: all('partial_outage') ? 'Partial System Outage' : 'Minor Service Outage',
    };
  if (any('degraded_performance'))
    return {
      indicator: 'minor',
      description: all('degraded_performance') ? 'Degraded System Service' : 'Partially Degraded Service',
    };
  if (any('under_maintenance')) return singleComponent.under_maintenance;
  return allOperational;
}

function worstImpact(impacts: readonly Impact[]): Impact {
  let worst: Impact = 'none';
  for (const impact of impacts) if (indicatorRank[impact] > indicatorRank[worst]) worst = impact;
  return worst;
}
