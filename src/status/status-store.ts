import type { ComponentStatus, Incident, Maintenance } from './model.ts';

/**
 * The status page's persistence: incidents, maintenances, component records and subscribers, each a small
 * document read whole at start and written on every change (an incident's timeline is bounded and read as
 * one). SQLite implements it now and PostgreSQL later; both must pass status-store.contract.ts.
 */
export interface StatusStore {
  incidents(): Promise<Incident[]>;
  /** Inserts or replaces by id. */
  putIncident(incident: Incident): Promise<void>;
  deleteIncident(id: string): Promise<void>;

  maintenances(): Promise<Maintenance[]>;
  putMaintenance(maintenance: Maintenance): Promise<void>;
  deleteMaintenance(id: string): Promise<void>;

  /** Occurrences of recurring windows cancelled before they began: the scheduler passes over them. */
  skippedOccurrences(): Promise<SkippedOccurrence[]>;
  putSkippedOccurrence(skipped: SkippedOccurrence): Promise<void>;

  componentRecords(): Promise<ComponentRecord[]>;
  putComponentRecord(record: ComponentRecord): Promise<void>;

  subscribers(): Promise<Subscriber[]>;
  putSubscriber(subscriber: Subscriber): Promise<void>;
  deleteSubscriber(id: string): Promise<void>;

  /**
   * When something last left the public page (a deleted incident, a maintenance cancelled before it began);
   * 0 if nothing has. The documents that remain date every other change, but not a removal.
   */
  pageRemovedAtMs(): Promise<number>;
  putPageRemovedAt(atMs: number): Promise<void>;
}

/** One occurrence of a recurring maintenance window (status_page.maintenance) that is not to happen. */
export interface SkippedOccurrence {
  /** The window's id in config (a maintenance's seriesId). */
  readonly seriesId: string;
  /** The occurrence's planned start. */
  readonly startMs: number;
  /** When it was cancelled. */
  readonly skippedAtMs: number;
}

/** What outlives a restart of a component: when it first appeared, its last status change, and an override. */
export interface ComponentRecord {
  readonly id: string;
  readonly createdAtMs: number;
  readonly status: ComponentStatus;
  readonly updatedAtMs: number;
  /** Set through the API (`components` of an incident update, or the component endpoint); null: derived. */
  readonly override: ComponentStatus | null;
}

export type SubscriberMode = 'email' | 'webhook';

export interface Subscriber {
  readonly id: string;
  readonly mode: SubscriberMode;
  readonly email: string | null;
  /** The webhook URL. */
  readonly endpoint: string | null;
  /** null: the whole page; otherwise only changes touching these components. */
  readonly componentIds: readonly string[] | null;
  /** Email subscribers are confirmed by clicking the link sent to them (double opt-in); null until then. */
  readonly confirmedAtMs: number | null;
  /** The secret in confirm and unsubscribe links. */
  readonly token: string;
  readonly createdAtMs: number;
}
