import type { ComponentStatus, Incident, Maintenance, PageStatus } from '../model.ts';
import type { ComponentView, DayUptime, LatencyPoint, StatusView } from '../view.ts';
import { seededRandom } from '../../../test/support/seeded-random.ts';
import { sampleIncidents, sampleMaintenances } from './fixture-events.test-support.ts';

/**
 * A deterministic, realistic StatusView for tests, benchmarks and browser tests: groups, every component
 * status, incidents with Markdown timelines, maintenances in every state, days without data, latency.
 */
export interface SampleViewOptions {
  /** Components with monitors and 90 days (groups come on top). Default 12. */
  readonly components?: number;
  /** Resolved incidents in the history, about two days apart. Default 30. */
  readonly incidents?: number;
  /** Unresolved incidents, each setting a component's status. Default 2. */
  readonly activeIncidents?: number;
  readonly scheduledMaintenances?: number;
  readonly inProgressMaintenances?: number;
  readonly completedMaintenances?: number;
  /** Drafts the view should never hold; set to prove the renderers drop them anyway. Default 0. */
  readonly drafts?: number;
  readonly nowMs?: number;
  readonly timeZone?: string;
  readonly offersEmail?: boolean;
  readonly seed?: number;
}

export const sampleNowMs = Date.UTC(2026, 10, 20, 14, 5);
const dayMs = 86_400_000;
const hourMs = 3_600_000;

const groupNames = ['Core platform', 'Payments', 'Search', 'Storage', 'Messaging', 'Identity', 'Analytics'];
const serviceNames = ['API', 'Dashboard', 'Webhooks', 'Background jobs', 'CDN', 'Database'];
const slug = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '-');

interface Layout {
  readonly id: string;
  readonly name: string;
  readonly groupIndex: number | null;
}

// Two standalone components first, then groups of six children each.
function layoutOf(count: number): Layout[] {
  return Array.from({ length: count }, (_, index) => {
    if (index < 2)
      return {
        id: index === 0 ? 'website' : 'public-api',
        name: index === 0 ? 'Website' : 'Public API',
        groupIndex: null,
      };
    const groupIndex = Math.floor((index - 2) / serviceNames.length);
    const round = Math.floor(groupIndex / groupNames.length);
    const group = `${groupNames[groupIndex % groupNames.length] ?? ''}${round > 0 ? ` ${round + 1}` : ''}`;
    const name = `${group} ${serviceNames[(index - 2) % serviceNames.length] ?? ''}`;
    return { id: slug(name), name, groupIndex };
  });
}

function daysOf(index: number, nowMs: number, random: () => number): DayUptime[] {
  const todayStartMs = Math.floor(nowMs / dayMs) * dayMs;
  const hasMonitors = index % 17 !== 5;
  // Every tenth component was added 40 days ago: its older days have no data.
  const firstObservedMs = index % 10 === 7 ? todayStartMs - 39 * dayMs : 0;
  return Array.from({ length: 90 }, (_, dayIndex) => {
    const startMs = todayStartMs - (89 - dayIndex) * dayMs;
    const date = new Date(startMs).toISOString().slice(0, 10);
    const observedMs = Math.min(dayMs, nowMs - startMs);
    const roll = random();
    if (!hasMonitors || startMs < firstObservedMs)
      return { date, upMs: 0, degradedMs: 0, downMs: 0, excludedMs: 0, uptime: null };
    if (roll < 0.02) return { date, upMs: 0, degradedMs: 0, downMs: 0, excludedMs: observedMs, uptime: null };
    const downMs = roll < 0.06 ? Math.round(random() * 90 * 60_000) + 20_000 : 0;
    const degradedMs = roll >= 0.06 && roll < 0.12 ? Math.round(random() * 180 * 60_000) + 60_000 : 0;
    const upMs = observedMs - downMs - degradedMs;
    return { date, upMs, degradedMs, downMs, excludedMs: 0, uptime: (upMs + degradedMs) / observedMs };
  });
}

function latencyOf(index: number, nowMs: number, random: () => number): LatencyPoint[] {
  if (index % 17 === 5) return [];
  const baseMs = 40 + ((index * 37) % 200);
  const lastHourMs = Math.floor(nowMs / hourMs) * hourMs;
  return Array.from({ length: 24 }, (_, hour) => ({
    atMs: lastHourMs - (23 - hour) * hourMs,
    p50Ms: Math.round(baseMs * (0.85 + random() * 0.3) * (hour === 17 ? 2.5 : 1)),
  }));
}

function uptimeOf(days: readonly DayUptime[]): number | null {
  const countedMs = days.reduce((sum, day) => sum + day.upMs + day.degradedMs + day.downMs, 0);
  const upMs = days.reduce((sum, day) => sum + day.upMs + day.degradedMs, 0);
  return countedMs === 0 ? null : upMs / countedMs;
}

const severity: readonly ComponentStatus[] = [
  'operational',
  'under_maintenance',
  'degraded_performance',
  'partial_outage',
  'major_outage',
];
const worst = (statuses: readonly ComponentStatus[]): ComponentStatus =>
  statuses.reduce((a, b) => (severity.indexOf(b) > severity.indexOf(a) ? b : a), 'operational');

interface ComponentContext {
  readonly overrides: ReadonlyMap<string, ComponentStatus>;
  readonly nowMs: number;
  readonly random: () => number;
}

function leafView(
  item: Layout,
  index: number,
  position: number,
  groupId: string | null,
  context: ComponentContext,
): ComponentView {
  const { nowMs, random } = context;
  const days = daysOf(index, nowMs, random);
  return {
    id: item.id,
    name: item.name,
    description: index % 3 === 0 ? `${item.name}: requests from customers and partners.` : null,
    position,
    groupId,
    isGroup: false,
    childIds: [],
    monitors: index % 17 === 5 ? [] : [`${item.id}-http`],
    pools: [],
    status: context.overrides.get(item.id) ?? 'operational',
    createdAtMs: nowMs - 400 * dayMs,
    updatedAtMs: nowMs - 3 * hourMs,
    days,
    uptime90d: uptimeOf(days),
    latency: latencyOf(index, nowMs, random),
  };
}

function groupView(
  name: string,
  position: number,
  children: readonly ComponentView[],
  nowMs: number,
): ComponentView {
  return {
    id: `group-${slug(name)}`,
    name,
    description: `Everything behind ${name}.`,
    position,
    groupId: null,
    isGroup: true,
    childIds: children.map((child) => child.id),
    monitors: [],
    pools: [],
    status: worst(children.map((child) => child.status)),
    createdAtMs: nowMs - 400 * dayMs,
    updatedAtMs: nowMs - 3 * hourMs,
    days: [],
    uptime90d: null,
    latency: [],
  };
}

/** Config order: the standalone components, then each group followed by its children. */
function componentsOf(layout: readonly Layout[], context: ComponentContext): ComponentView[] {
  const result: ComponentView[] = [];
  layout.forEach((item, index) => {
    if (item.groupIndex === null) result.push(leafView(item, index, result.length + 1, null, context));
  });
  const groupCount = Math.max(0, ...layout.map((item) => (item.groupIndex ?? -1) + 1));
  for (let groupIndex = 0; groupIndex < groupCount; groupIndex++) {
    const members = layout.filter((item) => item.groupIndex === groupIndex);
    const name = (members[0]?.name ?? '').replace(/ API$/, '');
    const groupPosition = result.length + 1;
    const groupId = `group-${slug(name)}`;
    const children = members.map((item, offset) =>
      leafView(item, layout.indexOf(item), groupPosition + 1 + offset, groupId, context),
    );
    result.push(groupView(name, groupPosition, children, context.nowMs), ...children);
  }
  return result;
}

const pageStatusByWorst: Readonly<Record<ComponentStatus, PageStatus>> = {
  operational: { indicator: 'none', description: 'All Systems Operational' },
  under_maintenance: { indicator: 'maintenance', description: 'Service Under Maintenance' },
  degraded_performance: { indicator: 'minor', description: 'Partially Degraded Service' },
  partial_outage: { indicator: 'major', description: 'Partial System Outage' },
  major_outage: { indicator: 'critical', description: 'Major System Outage' },
};

/** A StatusView like the host builds it, the same for the same options. */
export function sampleView(options: SampleViewOptions = {}): StatusView {
  const nowMs = options.nowMs ?? sampleNowMs;
  const random = seededRandom(options.seed ?? 42);
  const layout = layoutOf(options.components ?? 12);
  const leafIds = layout.map((item) => item.id);
  const names = new Map(layout.map((item) => [item.id, item.name]));
  const incidents: Incident[] = sampleIncidents({
    resolved: options.incidents ?? 30,
    active: options.activeIncidents ?? 2,
    drafts: options.drafts ?? 0,
    componentNames: names,
    leafIds,
    nowMs,
    random,
  });
  const maintenances: Maintenance[] = sampleMaintenances({
    scheduled: options.scheduledMaintenances ?? 2,
    inProgress: options.inProgressMaintenances ?? 1,
    completed: options.completedMaintenances ?? 6,
    componentNames: names,
    leafIds,
    nowMs,
  });
  const overrides = new Map<string, ComponentStatus>();
  for (const maintenance of maintenances.filter((m) => m.status === 'in_progress'))
    for (const id of maintenance.componentIds) overrides.set(id, 'under_maintenance');
  for (const incident of incidents.filter((i) => !i.isDraft && i.resolvedAtMs === null))
    for (const [id, status] of Object.entries(incident.componentStatuses)) overrides.set(id, status);
  const components = componentsOf(layout, { overrides, nowMs, random });
  const status = pageStatusByWorst[worst(components.map((component) => component.status))];
  const updatedAtMs = Math.max(nowMs - 10 * 60_000, ...incidents.map((incident) => incident.updatedAtMs));
  return {
    page: {
      id: 'acme',
      name: 'Acme Status',
      url: 'https://status.acme.example',
      timeZone: options.timeZone ?? 'Europe/Berlin',
      updatedAtMs,
      offersEmail: options.offersEmail ?? false,
    },
    status,
    components,
    incidents,
    maintenances,
    nowMs,
  };
}
