import type { Insertable, Selectable } from 'kysely';
import type { NotificationLogEntry, OutboxEntry, OutboxState, Silence } from '../../alerting/alert-store.ts';
import type { Alert } from '../../alerting/alert.ts';
import type { OutboxMessage } from '../../alerting/notification.ts';
import type { AlertNotificationLogTable, AlertOutboxTable, AlertSilencesTable } from '../schema.ts';

// Row ⇄ domain mapping for SqliteAlertStore. The store writes JSON columns with JSON.stringify only, so
// their text is canonical (an empty firing set is exactly '[]').

export function toOutboxRow(notification: OutboxMessage, seq: number): AlertOutboxTable {
  return {
    id: notification.id,
    seq,
    notifier: notification.receiver,
    group_key: notification.groupKey,
    payload: JSON.stringify(notification),
    state: 'pending',
    attempts: 0,
    created_ms: notification.createdAtMs,
    next_attempt_ms: notification.createdAtMs,
    last_error: null,
    finished_ms: null,
  };
}

// Number(): PostgreSQL's driver returns bigint columns as strings.
export function fromOutboxRow(row: Selectable<AlertOutboxTable>): OutboxEntry {
  return {
    id: row.id,
    notifier: row.notifier,
    groupKey: row.group_key,
    notification: JSON.parse(row.payload) as OutboxMessage,
    state: row.state as OutboxState,
    attempts: Number(row.attempts),
    createdAtMs: Number(row.created_ms),
    nextAttemptAtMs: Number(row.next_attempt_ms),
    ...(row.last_error !== null && { lastError: row.last_error }),
    ...(row.finished_ms !== null && { finishedAtMs: Number(row.finished_ms) }),
  };
}

export function toLogRow(entry: NotificationLogEntry): Insertable<AlertNotificationLogTable> {
  return {
    receiver: entry.receiver,
    group_key: entry.groupKey,
    firing: JSON.stringify(entry.firingFingerprints),
    resolved: JSON.stringify(entry.resolvedFingerprints),
    firing_alerts: JSON.stringify(entry.firingAlerts),
    muted: JSON.stringify(entry.mutedFingerprints),
    at_ms: entry.atMs,
  };
}

export function fromLogRow(row: Selectable<AlertNotificationLogTable>): NotificationLogEntry {
  return {
    receiver: row.receiver,
    groupKey: row.group_key,
    firingFingerprints: JSON.parse(row.firing) as string[],
    resolvedFingerprints: JSON.parse(row.resolved) as string[],
    firingAlerts: JSON.parse(row.firing_alerts) as Alert[],
    mutedFingerprints: JSON.parse(row.muted) as string[],
    atMs: Number(row.at_ms),
  };
}

export function toSilenceRow(silence: Silence): AlertSilencesTable {
  return {
    id: silence.id,
    matchers: JSON.stringify(silence.matchers),
    starts_ms: silence.startsAtMs,
    ends_ms: silence.endsAtMs,
    created_by: silence.createdBy,
    comment: silence.comment,
    updated_ms: silence.updatedAtMs,
  };
}

export function fromSilenceRow(row: Selectable<AlertSilencesTable>): Silence {
  return {
    id: row.id,
    matchers: JSON.parse(row.matchers) as Silence['matchers'],
    startsAtMs: Number(row.starts_ms),
    endsAtMs: Number(row.ends_ms),
    createdBy: row.created_by,
    comment: row.comment,
    updatedAtMs: Number(row.updated_ms),
  };
}
