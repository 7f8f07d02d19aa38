import { z } from 'zod';
import type { Notification } from '../notification.ts';
import { postToService } from './http-post.ts';
import type { Notifier } from './notifier.ts';
import { chatMessage, fitText, messageTemplate, statusMarker, type Markup } from './template.ts';

// Mattermost: an incoming webhook's text is at most 16,383 characters (longer posts are split or refused).
const maxTextChars = 16_383;

const mattermostConfig = z.strictObject({
  type: z.literal('mattermost'),
  webhook_url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  // The overrides below take effect only where the server allows them (integration settings).
  channel: z.string().min(1).max(64).optional(),
  username: z.string().min(1).max(64).optional(),
  icon_url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
  template: messageTemplate.optional(),
});

export type MattermostConfig = z.infer<typeof mattermostConfig>;

const mattermostMarkup: Markup = {
  escape: (text) => text,
  link: (label, url) => `[${label}](${url})`,
  bullet: '- ',
  lineBreak: '\n',
};

export const mattermostNotifier: Notifier<MattermostConfig> = {
  kind: 'mattermost',
  config: mattermostConfig,
  sendsResolvedByDefault: true,
  async send(notification, config, io) {
    await postToService(config.webhook_url, mattermostPayload(notification, config), io);
  },
};

export function mattermostPayload(
  notification: Notification,
  config: MattermostConfig,
): Record<string, unknown> {
  const message = chatMessage(notification, config.template, mattermostMarkup);
  const head = `${statusMarker(notification)} **${message.title}**`;
  return {
    text: fitText(maxTextChars, head, message.body, message.footer, '\n\n'),
    ...(config.channel === undefined ? {} : { channel: config.channel }),
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.icon_url === undefined ? {} : { icon_url: config.icon_url }),
  };
}
