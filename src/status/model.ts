/**
 * The status page's domain, in Statuspage's vocabulary (../shared/reference/statuspage-v2.md): the enums are
 * the wire values, so nothing translates them on the way out. Times are epoch ms; rendering formats them in
 * the page's time zone.
 */

export const componentStatuses = [
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
] as const;
export type ComponentStatus = (typeof componentStatuses)[number];

export const incidentStatuses = [
  'investigating',
  'identified',
  'monitoring',
  'resolved',
  'postmortem',
] as const;
export type IncidentStatus = (typeof incidentStatuses)[number];

export const impacts = ['none', 'minor', 'major', 'critical'] as const;
export type Impact = (typeof impacts)[number];

export const maintenanceStatuses = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export type MaintenanceStatus = (typeof maintenanceStatuses)[number];

/** status.json's indicator: the documented four plus `maintenance`, which live pages return. */
export type Indicator = Impact | 'maintenance';

export interface PageStatus {
  readonly indicator: Indicator;
  /** "All Systems Operational", "Partial System Outage", … */
  readonly description: string;
}

/** A component as configured: where its status comes from and where it sits. */
export interface ComponentDef {
  /** A stable slug of the name unless config sets `id`. */
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  /** 1-based, in config order across the page (groups and their children alike). */
  readonly position: number;
  /** The group's id for a component inside a group. */
  readonly groupId: string | null;
  readonly isGroup: boolean;
  /** A group's children, in order; empty otherwise. */
  readonly childIds: readonly string[];
  /** Monitor ids and pool names the status is derived from (empty for groups). */
  readonly monitors: readonly string[];
  readonly pools: readonly string[];
}

/** One component's line in an update: `code` is the component id. */
export interface AffectedComponent {
  readonly code: string;
  readonly name: string;
  readonly oldStatus: ComponentStatus;
  readonly newStatus: ComponentStatus;
}

/** One entry of an incident's or maintenance's timeline. */
export interface TimelineUpdate {
  readonly id: string;
  /** An IncidentStatus for incidents, a MaintenanceStatus for maintenances. */
  readonly status: IncidentStatus | MaintenanceStatus;
  /** Markdown as written; rendered sanitized. */
  readonly body: string;
  readonly createdAtMs: number;
  readonly displayAtMs: number;
  readonly affectedComponents: readonly AffectedComponent[] | null;
  /** "Next update by": shown on the page; a reminder goes to the alert route when it passes. */
  readonly nextUpdateByMs: number | null;
  readonly deliverNotifications: boolean;
}

export interface Incident {
  readonly id: string;
  readonly name: string;
  readonly status: IncidentStatus;
  /** What the page shows: impactOverride when set, else derived from the affected components. */
  readonly impact: Impact;
  readonly impactOverride: Impact | null;
  /** A draft (opened from an alert) is not on the page, the API or the feeds until published. */
  readonly isDraft: boolean;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly startedAtMs: number;
  readonly monitoringAtMs: number | null;
  readonly resolvedAtMs: number | null;
  readonly postmortemBody: string | null;
  readonly componentIds: readonly string[];
  /**
   * The component statuses this incident gives (its impact derives from them). While unresolved it holds, as
   * an override of the derived status, only those its timeline records it setting (heldStatusesOf).
   */
  readonly componentStatuses: Readonly<Record<string, ComponentStatus>>;
  /** Newest first. */
  readonly updates: readonly TimelineUpdate[];
  /** The alert that opened it as a draft, if any. */
  readonly alertFingerprint: string | null;
}

export interface Maintenance {
  readonly id: string;
  readonly name: string;
  readonly status: MaintenanceStatus;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly scheduledForMs: number;
  readonly scheduledUntilMs: number;
  /** When it went in_progress and completed; null until then. */
  readonly startedAtMs: number | null;
  readonly completedAtMs: number | null;
  readonly componentIds: readonly string[];
  /** Gateway endpoints drained while in progress, as `pool/endpoint`. */
  readonly drain: readonly string[];
  /** Moves to in_progress at scheduledFor and to completed at scheduledUntil on its own. */
  readonly autoTransition: boolean;
  /** Newest first. */
  readonly updates: readonly TimelineUpdate[];
  /** The recurring series this occurrence belongs to, if any. */
  readonly seriesId: string | null;
}

export const isUnresolved = (incident: Incident): boolean =>
  incident.status === 'investigating' || incident.status === 'identified' || incident.status === 'monitoring';

export const isActiveMaintenance = (m: Maintenance): boolean =>
  m.status === 'in_progress' || m.status === 'verifying';

const readingRank: Readonly<Record<MaintenanceStatus, number>> = {
  in_progress: 0,
  verifying: 0,
  scheduled: 1,
  completed: 2,
};

/**
 * The order readers (and widgets taking the first entry as "next") expect: windows running now, then the
 * next to come, soonest first, then the past ones, the most recently ended first.
 */
export function maintenanceReadingOrder(a: Maintenance, b: Maintenance): number {
  const byRank = readingRank[a.status] - readingRank[b.status];
  if (byRank !== 0) return byRank;
  const byTime =
    a.status === 'completed'
      ? (b.completedAtMs ?? b.scheduledUntilMs) - (a.completedAtMs ?? a.scheduledUntilMs)
      : a.scheduledForMs - b.scheduledForMs;
  return byTime !== 0 ? byTime : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
