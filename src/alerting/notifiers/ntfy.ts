import { z } from 'zod';
import type { Notification } from '../notification.ts';
import { postToService } from './http-post.ts';
import { defaultMessage, truncate } from './message.ts';
import type { Notifier } from './notifier.ts';

// ntfy's default message-size-limit is 4,096 bytes (larger becomes an attachment, or is refused).
const maxMessageBytes = 4_096;
const maxTitleChars = 250;
// ntfy priorities: 1 min … 3 default … 5 max (urgent).
const defaultPriority = 3;

const ntfyConfig = z.strictObject({
  type: z.literal('ntfy'),
  // On a public server the topic name is the only secret: whoever knows it can read the messages.
  topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, 'expected a topic of 1–64 letters, digits, - or _'),
  url: z
    .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
    .default('https://ntfy.sh'),
  /** An access token (`tk_…`), sent as a Bearer token. */
  token: z.string().min(1).optional(),
  /** Fixed priority for firing notifications; resolved ones use it only when it is lower than 3. */
  priority: z.int().min(1).max(5).optional(),
});

export type NtfyConfig = z.infer<typeof ntfyConfig>;

export const ntfyNotifier: Notifier<NtfyConfig> = {
  kind: 'ntfy',
  config: ntfyConfig,
  sendsResolvedByDefault: true,
  async send(notification, config, io) {
    const headers = config.token === undefined ? {} : { authorization: `Bearer ${config.token}` };
    const secrets = [config.topic, ...(config.token === undefined ? [] : [config.token])];
    await postToService(`${config.url.replace(/\/+$/, '')}/`, ntfyMessage(notification, config), io, {
      headers,
      secrets,
    });
  },
};

/** ntfy's JSON publish body: the topic travels in the body, so the URL is the server's root. */
export function ntfyMessage(notification: Notification, config: NtfyConfig): Record<string, unknown> {
  const message = defaultMessage(notification);
  const lines = message.lines.length > 0 ? message.lines : [message.title];
  return {
    topic: config.topic,
    title: truncate(message.title, maxTitleChars),
    message: truncateUtf8(lines.join('\n'), maxMessageBytes),
    priority: priorityOf(notification, config.priority),
    tags: tagsOf(notification),
    click: notification.links.statusPage,
  };
}

function priorityOf(notification: Notification, configured: number | undefined): number {
  // A resolved message should never ring louder than the default, whatever firing ones use.
  if (notification.status === 'resolved') return Math.min(configured ?? defaultPriority, defaultPriority);
  if (configured !== undefined) return configured;
  if (notification.severity === 'critical') return 5;
  if (notification.severity === 'warning') return 4;
  return defaultPriority;
}

const emojiBySeverity: Readonly<Record<string, string>> = { critical: 'rotating_light', warning: 'warning' };

// Tags that name an emoji shortcode are shown as that emoji before the title; the rest as text.
function tagsOf(notification: Notification): string[] {
  if (notification.status === 'resolved') return ['white_check_mark', 'resolved'];
  const emoji = emojiBySeverity[notification.severity] ?? 'information_source';
  return [emoji, notification.severity];
}

/** Cuts `text` to at most `maxBytes` of UTF-8, at a character boundary, marking the cut with an ellipsis. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const ellipsis = '…';
  let bytes = Buffer.byteLength(ellipsis);
  let kept = '';
  for (const char of text) {
    bytes += Buffer.byteLength(char);
    if (bytes > maxBytes) break;
    kept += char;
  }
  return kept + ellipsis;
}
