import type { ComponentDef, ComponentStatus, Incident, Maintenance, PageStatus } from './model.ts';

/**
 * Everything the public surfaces show, at one moment: built by the status host on every change and handed
 * to the renderers (HTML page, Statuspage v2 JSON, feeds, badges), which are pure functions of it.
 */
export interface StatusView {
  readonly page: PageInfo;
  readonly status: PageStatus;
  /** Config order; a group is followed by nothing special: its children carry groupId. */
  readonly components: readonly ComponentView[];
  /** Published incidents (no drafts), newest first by createdAt. */
  readonly incidents: readonly Incident[];
  /** Newest first by scheduledFor. */
  readonly maintenances: readonly Maintenance[];
  readonly nowMs: number;
}

export interface PageInfo {
  /** A stable id derived from the page url (Statuspage's `page.id`). */
  readonly id: string;
  readonly name: string;
  /** The public url, without a trailing slash; links in feeds and messages start with it. */
  readonly url: string;
  /** IANA zone, e.g. Europe/Berlin: times are shown and recurrences computed in it. */
  readonly timeZone: string;
  /** The last change of anything shown. */
  readonly updatedAtMs: number;
  /** Whether visitors can subscribe by email (status_page.subscribers.email is set). */
  readonly offersEmail: boolean;
}

export interface ComponentView extends ComponentDef {
  readonly status: ComponentStatus;
  readonly createdAtMs: number;
  /** The last change of status. */
  readonly updatedAtMs: number;
  /** 90 UTC days, oldest first, ending today; empty for groups. */
  readonly days: readonly DayUptime[];
  /** Time-weighted over the 90 days; null without observed time. */
  readonly uptime90d: number | null;
  /** Median check latency per hour over the last 24 hours, oldest first; empty without monitors. */
  readonly latency: readonly LatencyPoint[];
}

/** One UTC day of a component's monitors, summed over them; maintenance is neither up nor down. */
export interface DayUptime {
  /** YYYY-MM-DD (UTC). */
  readonly date: string;
  readonly upMs: number;
  readonly degradedMs: number;
  readonly downMs: number;
  /** Observed but excluded: maintenance, paused, unknown. */
  readonly excludedMs: number;
  /** (up + degraded) / (up + degraded + down); null when nothing was observed ("no data"). */
  readonly uptime: number | null;
}

export interface LatencyPoint {
  readonly atMs: number;
  readonly p50Ms: number;
}
