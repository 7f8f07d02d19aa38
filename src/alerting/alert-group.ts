import type { Alert, Labels } from './alert.ts';
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
  readonly alerts = new Map<string, Alert>();
  /** Cancels the pending group_wait or group_interval timer. */
  cancelTimer: () => void = () => undefined;
  /** When the pending timer fires (epoch ms); undefined while a flush runs or none is set. */
  nextFlushAtMs: number | undefined;
  /** Flushes of one group run one after another, never interleaved. */
  pending: Promise<void> = Promise.resolve();

  constructor(key: string, route: RouteNode, labels: Labels) {
    this.key = key;
    this.route = route;
    this.labels = labels;
  }

  /** Drops the resolved alerts a flush has just reported. */
  forgetReported(reported: ReadonlySet<string>): void {
    for (const [fingerprint, alert] of this.alerts) {
      if (alert.status === 'resolved' && reported.has(episodeOf(alert))) this.alerts.delete(fingerprint);
    }
  }
}

/** Labels every alert of the list shares with the same value (Alertmanager's commonLabels). */
export function commonOf(maps: readonly Labels[]): Labels {
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
export function highestSeverity(alerts: readonly Alert[]): string {
  let best = 'info';
  for (const alert of alerts) {
    const severity = alert.labels['severity'] ?? 'info';
    if ((severityRank[severity] ?? 1) > (severityRank[best] ?? 0)) best = severity;
  }
  return best;
}
