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
