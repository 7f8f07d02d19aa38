import { z } from 'zod';
import type { Notification } from '../notification.ts';
import { postToService } from './http-post.ts';
import { truncate } from './message.ts';
import type { Notifier } from './notifier.ts';
import { chatMessage, fitText, messageTemplate, type Markup } from './template.ts';

// Discord's limits (Alertmanager uses the same constants): embed title 256, description 4,096.
const maxTitleChars = 256;
const maxDescriptionChars = 4_096;

const colours = { critical: 0xe74c3c, warning: 0xe67e22, info: 0x3498db, resolved: 0x2ecc71 } as const;

const discordConfig = z.strictObject({
  type: z.literal('discord'),
  webhook_url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  // Discord rejects usernames over 80 characters.
  username: z.string().min(1).max(80).optional(),
  avatar_url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
  template: messageTemplate.optional(),
});

export type DiscordConfig = z.infer<typeof discordConfig>;

// Alert text is shown as written: Discord's markdown in a summary renders, which is what its author meant.
const discordMarkup: Markup = {
  escape: (text) => text,
  link: (label, url) => `[${label}](${url})`,
  bullet: '- ',
  lineBreak: '\n',
};

export const discordNotifier: Notifier<DiscordConfig> = {
  kind: 'discord',
  config: discordConfig,
  sendsResolvedByDefault: true,
  async send(notification, config, io) {
    await postToService(config.webhook_url, discordPayload(notification, config), io);
  },
};

/** One embed (Discord allows ten), coloured by status and severity. */
export function discordPayload(notification: Notification, config: DiscordConfig): Record<string, unknown> {
  const message = chatMessage(notification, config.template, discordMarkup);
  const description = fitText(maxDescriptionChars, '', message.body, message.footer, '\n\n');
  const embed = {
    title: truncate(message.title, maxTitleChars),
    // Discord refuses an empty description; a template's text can render to nothing.
    ...(description === '' ? {} : { description }),
    color: colourOf(notification),
    timestamp: new Date(notification.createdAtMs).toISOString(),
  };
  return {
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.avatar_url === undefined ? {} : { avatar_url: config.avatar_url }),
    embeds: [embed],
  };
}

function colourOf(notification: Notification): number {
  if (notification.status === 'resolved') return colours.resolved;
  return notification.severity === 'critical' || notification.severity === 'warning'
    ? colours[notification.severity]
    : colours.info;
}
