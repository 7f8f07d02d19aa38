import { z } from 'zod';
import type { Notification } from '../notification.ts';
import { postToService } from './http-post.ts';
import { truncate } from './message.ts';
import type { Notifier } from './notifier.ts';
import { chatMessage, fitText, messageTemplate, type Markup } from './template.ts';

// Teams rejects messages over 28 KB; 8,000 characters of title and text stay under it even at 3 bytes each.
const maxTitleChars = 500;
const maxTextChars = 7_500;

const teamsConfig = z.strictObject({
  type: z.literal('teams'),
  // A Workflows ("When a Teams webhook request is received") URL; the retired connector URLs no longer work.
  webhook_url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  template: messageTemplate.optional(),
});

export type TeamsConfig = z.infer<typeof teamsConfig>;

// Adaptive Card TextBlocks render a markdown subset; a blank line keeps each alert on its own line.
const teamsMarkup: Markup = {
  escape: (text) => text,
  link: (label, url) => `[${label}](${url})`,
  bullet: '- ',
  lineBreak: '\n\n',
};

export const teamsNotifier: Notifier<TeamsConfig> = {
  kind: 'teams',
  config: teamsConfig,
  sendsResolvedByDefault: true,
  async send(notification, config, io) {
    await postToService(config.webhook_url, teamsPayload(notification, config), io);
  },
};

/** Alertmanager's msteamsv2 shape: one Adaptive Card 1.2 with a title and a text block. */
export function teamsPayload(notification: Notification, config: TeamsConfig): Record<string, unknown> {
  const message = chatMessage(notification, config.template, teamsMarkup);
  const text = fitText(maxTextChars, '', message.body, message.footer, '\n\n');
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.2',
          body: [
            {
              type: 'TextBlock',
              text: truncate(message.title, maxTitleChars),
              weight: 'Bolder',
              size: 'Medium',
              wrap: true,
            },
            { type: 'TextBlock', text, wrap: true },
          ],
          msteams: { width: 'full' },
        },
      },
    ],
  };
}
