import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Notification } from '../notification.ts';
import { postToService } from './http-post.ts';
import { defaultMessage, truncate } from './message.ts';
import type { Notifier } from './notifier.ts';

// Atlassian ends Opsgenie: end of sale 2025-06-04, end of support (and of this REST API) 2027-04-05.
// Its successor is the JSM Ops API (jsm.ts), which takes the same alert body.

// Opsgenie's alert API limits (characters); tags are at most 20 of 50 characters each.
const maxMessageChars = 130;
const maxAliasChars = 512;
const maxDescriptionChars = 15_000;
const maxNoteChars = 25_000;
const maxTags = 20;
const maxTagChars = 50;
// `details` is a string map whose keys and values together may not exceed 8,000 characters.
const maxDetailsChars = 8_000;

export const opsgeniePriority = z.enum(['P1', 'P2', 'P3', 'P4', 'P5']);
export type OpsgeniePriority = z.infer<typeof opsgeniePriority>;

const opsgenieConfig = z.strictObject({
  type: z.literal('opsgenie'),
  api_key: z.string().min(1),
  // EU accounts use https://api.eu.opsgenie.com.
  api_url: z
    .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
    .default('https://api.opsgenie.com'),
  /** Overrides the priority derived from the severity label. */
  priority: opsgeniePriority.optional(),
});

export type OpsgenieConfig = z.infer<typeof opsgenieConfig>;

export const opsgenieNotifier: Notifier<OpsgenieConfig> = {
  kind: 'opsgenie',
  config: opsgenieConfig,
  sendsResolvedByDefault: true,
  async send(notification, config, io) {
    const base = `${config.api_url.replace(/\/+$/, '')}/v2/alerts`;
    const options = { headers: { authorization: `GenieKey ${config.api_key}` }, secrets: [config.api_key] };
    if (notification.status === 'resolved') {
      const alias = aliasOf(notification.groupKey);
      const url = `${base}/${encodeURIComponent(alias)}/close?identifierType=alias`;
      await postToService(url, opsgenieCloseBody(notification), io, options);
      return;
    }
    await postToService(base, opsgenieAlert(notification, config.priority), io, options);
  },
};

// Opsgenie's default is P3; critical pages as P1 and info stays out of the way.
const priorityBySeverity: Readonly<Record<string, OpsgeniePriority>> = {
  critical: 'P1',
  error: 'P2',
  warning: 'P3',
  info: 'P5',
};

/** The create-alert body, shared with JSM's Ops API. One open alert per alias: the group's. */
export function opsgenieAlert(
  notification: Notification,
  priority: OpsgeniePriority | undefined,
): Record<string, unknown> {
  const message = defaultMessage(notification);
  const links = message.links.map((l) => `${l.label}: ${l.url}`);
  const description = [message.lines.join('\n'), links.join('\n')].filter((p) => p !== '').join('\n\n');
  return {
    message: truncate(message.title, maxMessageChars),
    alias: aliasOf(notification.groupKey),
    description: truncate(description, maxDescriptionChars),
    priority: priority ?? priorityBySeverity[notification.severity] ?? 'P3',
    source: 'Bulwark',
    tags: tagsOf(notification),
    details: detailsOf(notification),
  };
}

export function opsgenieCloseBody(notification: Notification): Record<string, unknown> {
  return { source: 'Bulwark', note: truncate(defaultMessage(notification).title, maxNoteChars) };
}

/** A hash of the group key, as Alertmanager does: stable across restarts, and far below the 512 limit. */
export function aliasOf(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex').slice(0, maxAliasChars);
}

function tagsOf(notification: Notification): string[] {
  const grouping = Object.entries(notification.groupLabels).map(([name, value]) => `${name}:${value}`);
  return [`severity:${notification.severity}`, ...grouping]
    .slice(0, maxTags)
    .map((tag) => truncate(tag, maxTagChars));
}

function detailsOf(notification: Notification): Record<string, string> {
  const details: Record<string, string> = {};
  let chars = 0;
  for (const [name, value] of Object.entries(notification.commonLabels)) {
    chars += name.length + value.length;
    if (chars > maxDetailsChars) break;
    details[name] = value;
  }
  return details;
}
