import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Notification } from '../notification.ts';
import { postToService } from './http-post.ts';
import { alertLine, defaultMessage, truncate } from './message.ts';
import type { Notifier } from './notifier.ts';

// Events API v2 limits: summary ≤ 1,024 characters, dedup_key ≤ 255 (a SHA-256 hex is 64).
const maxSummaryChars = 1_024;
// custom_details is free-form but the whole event must stay under 512 KB: a bounded list per status.
const maxDetailAlerts = 20;
const maxDetailLineChars = 1_024;

const pagerdutySeverities = ['critical', 'error', 'warning', 'info'] as const;
type PagerdutySeverity = (typeof pagerdutySeverities)[number];

const pagerdutyConfig = z.strictObject({
  type: z.literal('pagerduty'),
  /** The integration key of an Events API v2 integration. */
  routing_key: z.string().min(1),
  url: z
    .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
    .default('https://events.pagerduty.com/v2/enqueue'),
  /** Our severity label → PagerDuty's; merged over the identity map for the four PagerDuty knows. */
  severity_map: z.record(z.string(), z.enum(pagerdutySeverities)).optional(),
});

export type PagerdutyConfig = z.infer<typeof pagerdutyConfig>;

export const pagerdutyNotifier: Notifier<PagerdutyConfig> = {
  kind: 'pagerduty',
  config: pagerdutyConfig,
  sendsResolvedByDefault: true,
  async send(notification, config, io) {
    await postToService(config.url, pagerdutyEvent(notification, config), io, {
      secrets: [config.routing_key],
    });
  },
};

export function pagerdutyEvent(notification: Notification, config: PagerdutyConfig): Record<string, unknown> {
  const dedupKey = dedupKeyOf(notification.groupKey);
  if (notification.status === 'resolved') {
    return { routing_key: config.routing_key, dedup_key: dedupKey, event_action: 'resolve' };
  }
  const message = defaultMessage(notification);
  const labels = notification.commonLabels;
  const firing = notification.alerts.filter((a) => a.status === 'firing');
  const resolved = notification.alerts.filter((a) => a.status === 'resolved');
  const detectedAtMs = Math.min(notification.createdAtMs, ...notification.alerts.map((a) => a.startsAtMs));
  return {
    routing_key: config.routing_key,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: truncate(message.title, maxSummaryChars),
      source: labels['monitor'] ?? labels['instance'] ?? 'Bulwark',
      severity: pagerdutySeverityOf(notification.severity, config.severity_map),
      timestamp: new Date(detectedAtMs).toISOString(),
      component: labels['component'],
      group: labels['group'],
      class: labels['alertname'],
      custom_details: {
        firing: detailLines(firing),
        resolved: detailLines(resolved),
        num_firing: firing.length,
        num_resolved: resolved.length,
        common_labels: labels,
      },
    },
    links: message.links.map((l) => ({ href: l.url, text: l.label })),
    client: 'Bulwark',
    client_url: notification.links.admin ?? notification.links.statusPage,
  };
}

/** Alertmanager's convention: a hash of the group key, so resolve closes the incident trigger opened. */
export function dedupKeyOf(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex');
}

// Unknown severities fall back to `error`, Alertmanager's default PagerDuty severity.
function pagerdutySeverityOf(severity: string, overrides: Readonly<Record<string, PagerdutySeverity>> = {}) {
  const own = (pagerdutySeverities as readonly string[]).includes(severity)
    ? (severity as PagerdutySeverity)
    : undefined;
  return overrides[severity] ?? own ?? 'error';
}

function detailLines(alerts: Notification['alerts']): string[] {
  return alerts.slice(0, maxDetailAlerts).map((a) => truncate(alertLine(a), maxDetailLineChars));
}
