import { z } from 'zod';
import type { Notification } from '../notification.ts';
import { postToService } from './http-post.ts';
import { escapeHtml, truncate } from './message.ts';
import type { Notifier } from './notifier.ts';
import { chatMessage, fitText, messageTemplate, statusMarker, type Markup } from './template.ts';

// Slack: a section block's text is at most 3,000 characters (longer is a 400 invalid_blocks).
const maxSectionChars = 3_000;

const slackConfig = z.strictObject({
  type: z.literal('slack'),
  // An app's incoming webhook posts to the channel chosen at install; it cannot override channel or name.
  webhook_url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  template: messageTemplate.optional(),
});

export type SlackConfig = z.infer<typeof slackConfig>;

// Slack's mrkdwn treats &, < and > as control characters; everything else is shown as written.
export const slackMarkup: Markup = {
  escape: escapeHtml,
  link: (label, url) => `<${url}|${label}>`,
  bullet: '• ',
  lineBreak: '\n',
};

export const slackNotifier: Notifier<SlackConfig> = {
  kind: 'slack',
  config: slackConfig,
  sendsResolvedByDefault: false,
  // Slack: about one message per second per webhook, with short bursts allowed.
  minIntervalMs: 1_000,
  async send(notification, config, io) {
    await postToService(config.webhook_url, slackPayload(notification, config), io);
  },
};

export function slackPayload(notification: Notification, config: SlackConfig): Record<string, unknown> {
  const message = chatMessage(notification, config.template, slackMarkup);
  const head = `${statusMarker(notification)} *${message.title}*`;
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: fitText(maxSectionChars, head, message.body, '') } },
  ];
  if (message.footer !== '') {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncate(message.footer, maxSectionChars) }],
    });
  }
  // `text` is what notifications and screen readers show when there are blocks.
  return { text: truncate(message.title, maxSectionChars), blocks };
}
