import type { Alert, Labels } from './alert.ts';
import type { OutboxMessage } from './notification.ts';

/**
 * The alerting aggregate's persistence: the outbox (notifications owed to receivers), the notification log
 * (what each receiver was last told about each group: Alertmanager's nflog), silences and acknowledgements.
 * SQLite implements it now and PostgreSQL later; both must pass alert-store.contract.ts.
 */
export interface AlertStore extends OutboxStore, NotificationLogStore, SilenceStore, AckStore {}

export type OutboxState = 'pending' | 'delivered' | 'dead';

export interface OutboxEntry {
  /** The notification's id: unique, and the receiver-facing idempotency key (webhook-id). */
  readonly id: string;
  readonly notifier: string;
  readonly groupKey: string;
  readonly notification: OutboxMessage;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly createdAtMs: number;
  readonly nextAttemptAtMs: number;
  readonly lastError?: string | undefined;
  /** When it was delivered or dead-lettered. */
  readonly finishedAtMs?: number | undefined;
}

export interface OutboxStore {
  /** Durable when the promise resolves. An id already present is left as it is (a replayed decision). */
  enqueue(notifications: readonly OutboxMessage[]): Promise<void>;
  /**
   * Pending entries due at `nowMs`, oldest first, at most one per (notifier, groupKey) — the oldest — so a
   * group's resolved message never overtakes its firing one, and at most 20 per notifier, so a backlog on one
   * never fills the read. Oldest: by createdAtMs, then enqueue order.
   */
  dueEntries(nowMs: number, limit: number): Promise<OutboxEntry[]>;
  /**
   * The earliest nextAttemptAtMs among the entries dueEntries could return (the oldest pending one of each
   * group), to sleep until then; an entry waiting behind its group's head must not wake the dispatcher.
   */
  nextDueAtMs(): Promise<number | undefined>;
  // The marks change pending entries only, so a late or repeated mark never revives a finished one.
  // `attempts` counts sends: delivered and retry add one; dead adds one when a send preceded it.
  markDelivered(id: string, atMs: number): Promise<void>;
  markRetry(id: string, nextAttemptAtMs: number, error: string): Promise<void>;
  markDead(id: string, atMs: number, error: string, options: { readonly attempted: boolean }): Promise<void>;
  /** Newest first; `state` filters. */
  listOutbox(filter: { state?: OutboxState; limit: number }): Promise<OutboxEntry[]>;
  /** Deletes delivered and dead entries finished before `ms`; returns how many. */
  pruneOutboxBefore(ms: number): Promise<number>;
  /** How many entries are in each state (the outbox gauges). */
  outboxCounts(): Promise<Record<OutboxState, number>>;
}

/** What a receiver was last told about a group (Alertmanager notify/dedup_stage.go). */
export interface NotificationLogEntry {
  readonly receiver: string;
  readonly groupKey: string;
  /** Episodes (`fingerprint@startsAtMs`) the receiver was told fire, the muted ones among them included. */
  readonly firingFingerprints: readonly string[];
  readonly resolvedFingerprints: readonly string[];
  /**
   * The alerts of firingFingerprints with their labels and annotations, so a resolution the pipeline infers
   * after a restart says what the firing message said. Empty in entries logged before migration 0006.
   */
  readonly firingAlerts: readonly Alert[];
  /** Episodes of firingFingerprints muted at the group's last flush: one unmuted since is told again. */
  readonly mutedFingerprints: readonly string[];
  /** When the receiver was last notified: repeat_interval counts from it; a muting change keeps it. */
  readonly atMs: number;
}

export interface NotificationLogStore {
  notificationLog(receiver: string, groupKey: string): Promise<NotificationLogEntry | undefined>;
  allNotificationLogs(): Promise<NotificationLogEntry[]>;
  putNotificationLog(entry: NotificationLogEntry): Promise<void>;
  /** Forgets groups last notified before `ms` that are fully resolved. */
  pruneNotificationLogBefore(ms: number): Promise<number>;
}

export interface LabelMatcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  /** false for `!=` / `!~`. */
  readonly isEqual: boolean;
}

export interface Silence {
  readonly id: string;
  readonly matchers: readonly LabelMatcher[];
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly createdBy: string;
  readonly comment: string;
  readonly updatedAtMs: number;
}

export interface SilenceStore {
  putSilence(silence: Silence): Promise<void>;
  /** Every silence whose end is after `sinceMs` (active, pending and recently expired). */
  listSilences(sinceMs: number): Promise<Silence[]>;
  getSilence(id: string): Promise<Silence | undefined>;
}

/** An acknowledgement stops reminders for one alert until its state changes (firing → resolved or back). */
export interface Ack {
  readonly fingerprint: string;
  /** The alert's startsAtMs when acknowledged: a new firing episode is not covered. */
  readonly episodeStartMs: number;
  readonly by: string;
  readonly atMs: number;
  readonly labels: Labels;
}

export interface AckStore {
  putAck(ack: Ack): Promise<void>;
  listAcks(): Promise<Ack[]>;
  deleteAck(fingerprint: string): Promise<void>;
}
