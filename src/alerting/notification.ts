import type { Alert, AlertStatus, Labels } from './alert.ts';

/** Why a notification went out; shown to receivers (webhook `notification_reason`) and in delivery records. */
export type NotificationReason = 'first' | 'new-alerts' | 'resolved' | 'repeat' | 'state-change' | 'test';

/**
 * What one notifier is asked to deliver: one alert group at one moment. Built once by the pipeline,
 * stored in the outbox as JSON and handed unchanged to every retry, so a receiver sees the same message
 * (and the same `id`, for its own dedup) however often delivery is attempted.
 */
export interface Notification {
  /** Unique per (notifier, group, transition); stable across retries and restarts. */
  readonly id: string;
  /** The notifier's name in config (`team-chat`), Alertmanager's "receiver". */
  readonly receiver: string;
  /** Identifies the alert group: PagerDuty's dedup_key and Opsgenie's alias derive from it. */
  readonly groupKey: string;
  /** firing while any alert of the group fires. */
  readonly status: AlertStatus;
  readonly reason: NotificationReason;
  readonly groupLabels: Labels;
  readonly commonLabels: Labels;
  readonly commonAnnotations: Labels;
  /** Firing first, then resolved; each with its own times. */
  readonly alerts: readonly Alert[];
  /** Highest severity label among the firing alerts (`critical` > `warning` > `info`), or of all when resolved. */
  readonly severity: string;
  /** Where people can look: the status page and the admin API, when configured. */
  readonly links: { readonly statusPage?: string | undefined; readonly admin?: string | undefined };
  /** When the pipeline decided to send it (epoch ms). */
  readonly createdAtMs: number;
}

/**
 * A message composed outside alerting (the status page's mail and webhooks to its subscribers) that rides the
 * outbox for its durability, retries and dead letters. Its receiver knows how to send `content`; the outbox
 * only orders, retries and records it, exactly as it does a Notification.
 */
export interface PreparedMessage {
  readonly kind: 'prepared';
  /** Unique and stable per (receiver, event): the receiver-facing idempotency key. */
  readonly id: string;
  readonly receiver: string;
  /** Messages of one group are delivered in order (a subscriber hears an incident's updates in sequence). */
  readonly groupKey: string;
  readonly createdAtMs: number;
  /** One line for the admin API's outbox listing ("incident update: API errors"). */
  readonly summary: string;
  /** JSON, as the receiver expects it. */
  readonly content: unknown;
}

/** What the outbox holds: an alert group's notification, or a prepared message. */
export type OutboxMessage = Notification | PreparedMessage;

export function isPrepared(message: OutboxMessage): message is PreparedMessage {
  return 'kind' in message && message.kind === 'prepared';
}
