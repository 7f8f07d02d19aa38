import { z } from 'zod';
import type { Notification } from '../notification.ts';
import { postToService } from './http-post.ts';
import { defaultMessage, escapeHtml, escapeHtmlWithin } from './message.ts';
import type { Notifier } from './notifier.ts';

// sendMessage: text is 1–4,096 characters. Counted here after escaping, which over-counts (Telegram
// counts after parsing entities) and so stays safely inside the limit.
const maxTextChars = 4_096;
const maxTitleChars = 512;
const maxLinksChars = 1_024;

const telegramConfig = z.strictObject({
  type: z.literal('telegram'),
  // The token sits in the URL path; the pattern keeps a stray `/` or `?` from changing the endpoint.
  bot_token: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'expected a bot token like 123456:ABC-DEF…'),
  /** A numeric chat id (negative for groups) or `@channelusername`. */
  chat_id: z.union([z.int(), z.string().regex(/^(@[A-Za-z0-9_]+|-?\d+)$/, 'expected a chat id or @channel')]),
  /** A forum topic of a supergroup. */
  message_thread_id: z.int().positive().optional(),
  api_url: z
    .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
    .default('https://api.telegram.org'),
  disable_notification: z.boolean().optional(),
});

export type TelegramConfig = z.infer<typeof telegramConfig>;

export const telegramNotifier: Notifier<TelegramConfig> = {
  kind: 'telegram',
  config: telegramConfig,
  sendsResolvedByDefault: true,
  async send(notification, config, io) {
    const url = `${config.api_url.replace(/\/+$/, '')}/bot${config.bot_token}/sendMessage`;
    // postToService names only the origin, and `secrets` covers an error text that quotes the path.
    await postToService(url, telegramMessage(notification, config), io, {
      secrets: [config.bot_token],
      retryAfterInBody: telegramRetryAfterMs,
    });
  },
};

/** Bot API errors carry `parameters.retry_after` (seconds) in the JSON body, often without a header. */
function telegramRetryAfterMs(body: string): number | undefined {
  try {
    const seconds = (JSON.parse(body) as { parameters?: { retry_after?: unknown } }).parameters?.retry_after;
    return typeof seconds === 'number' && seconds >= 0 ? seconds * 1_000 : undefined;
  } catch {
    return undefined;
  }
}

export function telegramMessage(notification: Notification, config: TelegramConfig): Record<string, unknown> {
  return {
    chat_id: config.chat_id,
    text: telegramText(notification),
    parse_mode: 'HTML',
    disable_web_page_preview: true,
    message_thread_id: config.message_thread_id,
    disable_notification: config.disable_notification,
  };
}

/** Bold title, one line per alert, then links; every alert-supplied text escaped for parse_mode HTML. */
export function telegramText(notification: Notification): string {
  const message = defaultMessage(notification);
  const head = `<b>${escapeHtmlWithin(message.title, maxTitleChars)}</b>`;
  const links = message.links.map((l) => `<a href="${hrefOf(l.url)}">${escapeHtml(l.label)}</a>`).join(' | ');
  // A link line too long to be useful (a pathological URL) is dropped rather than cut into broken markup.
  const tail = links.length <= maxLinksChars ? links : '';
  const room = maxTextChars - head.length - tail.length - 2;
  const body = escapeHtmlWithin(message.lines.join('\n'), room);
  return [head, body, tail].filter((part) => part !== '').join('\n');
}

// Inside a quoted attribute a `"` would end it; in a URL it is equally valid percent-encoded.
function hrefOf(url: string): string {
  return escapeHtml(url).replaceAll('"', '%22');
}
