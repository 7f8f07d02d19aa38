import { discordNotifier } from './discord.ts';
import { emailNotifier } from './email.ts';
import { googleChatNotifier } from './google-chat.ts';
import { jsmNotifier } from './jsm.ts';
import { mattermostNotifier } from './mattermost.ts';
import type { Notifier } from './notifier.ts';
import { ntfyNotifier } from './ntfy.ts';
import { opsgenieNotifier } from './opsgenie.ts';
import { pagerdutyNotifier } from './pagerduty.ts';
import { pushoverNotifier } from './pushover.ts';
import { slackNotifier } from './slack.ts';
import { teamsNotifier } from './teams.ts';
import { telegramNotifier } from './telegram.ts';
import { webhookNotifier } from './webhook.ts';

/**
 * Every notifier kind; a new channel is one file and one entry here. The config's `notifiers.NAME` entries
 * are validated against the union of their schemas, keyed by `type`.
 */
export const notifiers: readonly Notifier<{ readonly type: string }>[] = [
  // one line per notifier file, alphabetical
  discordNotifier,
  emailNotifier,
  googleChatNotifier,
  jsmNotifier,
  mattermostNotifier,
  ntfyNotifier,
  opsgenieNotifier,
  pagerdutyNotifier,
  pushoverNotifier,
  slackNotifier,
  teamsNotifier,
  telegramNotifier,
  webhookNotifier,
];

const byKind = new Map(notifiers.map((n) => [n.kind, n]));

export function notifierOf(kind: string): Notifier<{ readonly type: string }> | undefined {
  return byKind.get(kind);
}
