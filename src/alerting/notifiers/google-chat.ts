import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Notification } from '../notification.ts';
import { postToService } from './http-post.ts';
import type { Notifier } from './notifier.ts';
import { chatMessage, fitText, messageTemplate, statusMarker, type Markup } from './template.ts';

// Google Chat: keep a text message under 4,096 characters; a thread key may be up to 4,000.
const maxTextChars = 4_095;
const maxThreadKeyChars = 4_000;
const replyOption = 'messageReplyOption';

const googleChatConfig = z.strictObject({
  type: z.literal('google-chat'),
  // The space's incoming webhook URL; its `key` and `token` query parameters are the secret.
  webhook_url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  template: messageTemplate.optional(),
});

export type GoogleChatConfig = z.infer<typeof googleChatConfig>;

const googleChatMarkup: Markup = {
  escape: (text) => text,
  link: (label, url) => `<${url}|${label}>`,
  bullet: '• ',
  lineBreak: '\n',
};

export const googleChatNotifier: Notifier<GoogleChatConfig> = {
  kind: 'google-chat',
  config: googleChatConfig,
  sendsResolvedByDefault: true,
  async send(notification, config, io) {
    await postToService(threadedUrl(config.webhook_url), googleChatPayload(notification, config), io);
  },
};

/** `{text, thread}`: every message of one alert group replies in the group's thread. */
export function googleChatPayload(
  notification: Notification,
  config: GoogleChatConfig,
): Record<string, unknown> {
  const message = chatMessage(notification, config.template, googleChatMarkup);
  const head = `${statusMarker(notification)} *${message.title}*`;
  return {
    text: fitText(maxTextChars, head, message.body, message.footer),
    thread: { threadKey: threadKeyOf(notification.groupKey) },
  };
}

/**
 * Google's documented way to thread webhook messages: `thread.threadKey` in the body plus this query
 * parameter. Appended to the existing query text as written, so the key and token keep their encoding.
 */
export function threadedUrl(webhookUrl: string): string {
  const url = new URL(webhookUrl);
  if (url.searchParams.has(replyOption)) return webhookUrl;
  const query = url.search === '' ? '' : `${url.search.slice(1)}&`;
  url.search = `?${query}${replyOption}=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD`;
  return url.toString();
}

function threadKeyOf(groupKey: string): string {
  if (groupKey.length <= maxThreadKeyChars) return groupKey;
  return createHash('sha256').update(groupKey).digest('hex');
}
