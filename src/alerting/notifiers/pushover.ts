import { z } from 'zod';
import { parseDurationMs } from '../../core/units.ts';
import type { Notification } from '../notification.ts';
import { postToService } from './http-post.ts';
import { defaultMessage, escapeHtmlWithin, truncate } from './message.ts';
import type { Notifier } from './notifier.ts';

// Pushover's message API limits (Alertmanager's constants): title 250, message 1,024, url 512, url_title 100.
const maxTitleChars = 250;
const maxMessageChars = 1_024;
const maxUrlChars = 512;
const maxUrlTitleChars = 100;
// Emergency priority (2) repeats every `retry` (at least 30 s) until acknowledged or `expire` (at most 3 h).
const emergency = 2;
const minRetryMs = 30_000;
const maxExpireMs = 10_800_000;

/** A duration string within Pushover's bounds, parsed once at load into ms. */
function boundedDuration(bounds: { readonly minMs: number; readonly maxMs: number }, problem: string) {
  return z
    .string()
    .meta({ description: 'A duration such as 30s, 1m, 1h', pattern: '^(\\d+(\\.\\d+)?(ms|s|m|h|d))+$' })
    .transform((text, ctx) => {
      const ms = parseDurationMs(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration like 30s, 1m or 1h' });
        return z.NEVER;
      }
      if (ms < bounds.minMs || ms > bounds.maxMs) {
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
      return ms;
    });
}

const pushoverConfig = z.strictObject({
  type: z.literal('pushover'),
  /** The application's API token. */
  token: z.string().min(1),
  /** The user or group key to deliver to. */
  user_key: z.string().min(1),
  api_url: z
    .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
    .default('https://api.pushover.net'),
  /** Fixed priority (-2..2) for firing notifications; resolved ones use it only when it is below 0. */
  priority: z.int().min(-2).max(2).optional(),
  retry: boundedDuration(
    { minMs: minRetryMs, maxMs: maxExpireMs },
    'retry must be between 30s and 3h',
  ).prefault('60s'),
  expire: boundedDuration({ minMs: 1_000, maxMs: maxExpireMs }, 'expire must be between 1s and 3h').prefault(
    '1h',
  ),
  sound: z.string().min(1).optional(),
});

export type PushoverConfig = z.infer<typeof pushoverConfig>;

export const pushoverNotifier: Notifier<PushoverConfig> = {
  kind: 'pushover',
  config: pushoverConfig,
  sendsResolvedByDefault: true,
  async send(notification, config, io) {
    const url = `${config.api_url.replace(/\/+$/, '')}/1/messages.json`;
    await postToService(url, pushoverForm(notification, config).toString(), io, {
      contentType: 'application/x-www-form-urlencoded',
      secrets: [config.token, config.user_key],
    });
  },
};

export function pushoverForm(notification: Notification, config: PushoverConfig): URLSearchParams {
  const message = defaultMessage(notification);
  const lines = message.lines.length > 0 ? message.lines : [message.title];
  const form = new URLSearchParams({
    token: config.token,
    user: config.user_key,
    title: truncate(message.title, maxTitleChars),
    // html=1: Pushover reads <b>, <a> and entities, so alert text is escaped like any HTML.
    message: escapeHtmlWithin(lines.join('\n'), maxMessageChars),
    priority: String(priorityOf(notification, config.priority)),
    retry: String(Math.round(config.retry / 1_000)),
    expire: String(Math.round(config.expire / 1_000)),
    html: '1',
    timestamp: String(Math.floor(notification.createdAtMs / 1_000)),
  });
  // A cut URL leads nowhere: one over the limit is left out instead.
  const link = message.links.find((l) => l.url.length <= maxUrlChars);
  if (link !== undefined) {
    form.set('url', link.url);
    form.set('url_title', truncate(link.label, maxUrlTitleChars));
  }
  if (config.sound !== undefined) form.set('sound', config.sound);
  return form;
}

// Alertmanager sends 2 while firing and 0 once resolved; here only critical is an emergency by default.
function priorityOf(notification: Notification, configured: number | undefined): number {
  if (notification.status === 'resolved') return Math.min(configured ?? 0, 0);
  if (configured !== undefined) return configured;
  if (notification.severity === 'critical') return emergency;
  return notification.severity === 'warning' ? 1 : 0;
}
