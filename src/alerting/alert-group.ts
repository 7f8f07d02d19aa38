import { createHash } from 'node:crypto';
import type { NotificationLogEntry } from './alert-store.ts';
import type { Alert, Labels } from './alert.ts';
import type { Decision } from './dedup.ts';
import type { Notification } from './notification.ts';
import type { RouteNode } from './route-tree.ts';

/** An alert in one firing episode: the identity dedup, acks and notification ids use. */
export function episodeOf(alert: Alert): string {
  return `${alert.fingerprint}@${alert.startsAtMs}`;
}

/**
 * The alerts one route gathered under one set of group labels, with the group's timer. Resolved alerts
 * stay until a flush has reported them, then leave; an empty group is dropped.
 */
export class AlertGroup {
  readonly key: string;
  readonly route: RouteNode;
  readonly labels: Labels;
  /** By episode: an alert that resolves and fires again holds both until its resolution is reported. */
  readonly alerts = new Map<string, Alert>();
  /** Cancels the pending group_wait or group_interval timer. */
  cancelTimer: () => void = () => undefined;
  /** When the pending timer fires (epoch ms); undefined while a flush runs or none is set. */
  nextFlushAtMs: number | undefined;
  /** Flushes of one group run one after another, never interleaved. */
  pending: Promise<void> = Promise.resolve();
  /** Episodes resolved for the receivers told they fire only (resolveUnreported): muted for the rest. */
  readonly toldOnly = new Set<string>();

  constructor(key: string, route: RouteNode, labels: Labels) {
    this.key = key;
    this.route = route;
    this.labels = labels;
  }

  /** Drops the resolved alerts a flush has just reported. */
  forgetReported(reported: ReadonlySet<string>): void {
    for (const [episode, alert] of this.alerts) {
      if (alert.status !== 'resolved' || !reported.has(episode)) continue;
      this.alerts.delete(episode);
      this.toldOnly.delete(episode);
    }
  }
}

/** What the group tells one receiver now: `alerts` as shown to it, decided from its `log`. */
export function notificationOf(
  group: AlertGroup,
  told: {
    readonly receiver: string;
    readonly decision: NonNullable<Decision>;
    readonly alerts: readonly Alert[];
    readonly log: NotificationLogEntry | undefined;
  },
  links: Notification['links'],
  nowMs: number,
): Notification {
  const { receiver, alerts, log } = told;
  const firing = alerts.filter((a) => a.status === 'firing');
  const episodes = alerts.map((a) => `${episodeOf(a)}:${a.status}`).sort();
  // The log entry it follows tells a new notification (a repeat, a re-send once a silence ended) from the
  // same one decided again (after a crash between queueing and logging, or a failed flush).
  const follows = log === undefined ? '' : String(log.atMs);
  const id = createHash('sha256')
    .update([receiver, group.key, ...episodes, follows].join('\n'))
    .digest('hex')
    .slice(0, 32);
  return {
    id: `ntf_${id}`,
    receiver,
    groupKey: group.key,
    status: firing.length > 0 ? 'firing' : 'resolved',
    reason: told.decision,
    // A group_by label the alerts lack is empty in the group's key, and absent here, as Alertmanager sends it.
    groupLabels: Object.fromEntries(Object.entries(group.labels).filter(([, value]) => value !== '')),
    commonLabels: commonOf(alerts.map((a) => a.labels)),
    commonAnnotations: commonOf(alerts.map((a) => a.annotations)),
    alerts,
    severity: highestSeverity(firing.length > 0 ? firing : alerts),
    links,
    createdAtMs: nowMs,
  };
}

/** Labels every alert of the list shares with the same value (Alertmanager's commonLabels). */
function commonOf(maps: readonly Labels[]): Labels {
  const [first, ...rest] = maps;
  if (!first) return {};
  const common: Record<string, string> = {};
  for (const [name, value] of Object.entries(first)) {
    if (rest.every((labels) => labels[name] === value)) common[name] = value;
  }
  return common;
}

const severityRank: Readonly<Record<string, number>> = { critical: 3, error: 2, warning: 1, info: 0 };

/** The most severe `severity` label among the alerts (`critical` > `error` > `warning` > `info`). */
function highestSeverity(alerts: readonly Alert[]): string {
  let best = 'info';
  for (const alert of alerts) {
    const severity = alert.labels['severity'] ?? 'info';
    if ((severityRank[severity] ?? 1) > (severityRank[best] ?? 0)) best = severity;
  }
  return best;
}
