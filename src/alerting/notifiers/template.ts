import { z } from 'zod';
import type { Notification } from '../notification.ts';
import { defaultMessage, truncate } from './message.ts';

/**
 * Optional per-notifier wording: `template: { title, text }` with `{{placeholder}}`s. Rendering is plain
 * substitution in one pass (a value that itself contains `{{…}}` stays literal), so a template can
 * neither run code nor reach anything but the names below; an unknown name fails at config load.
 */
const fixedPlaceholders = [
  'status',
  'severity',
  'receiver',
  'reason',
  'title',
  'summary',
  'alerts',
  'count',
  'group',
  'group_key',
  'status_page_url',
  'admin_url',
] as const;

// `{{labels.team}}` and `{{annotations.runbook}}` read the group's common labels and annotations.
const keyedPlaceholder = /^(labels|annotations)\.([A-Za-z_][A-Za-z0-9_]*)$/;
const placeholder = /\{\{\s*([^{}]*?)\s*\}\}/g;
const knownList = [...fixedPlaceholders, 'labels.NAME', 'annotations.NAME'].map((n) => `{{${n}}}`).join(', ');

/** What is wrong with a template's placeholders, one message each; empty when it renders. */
export function templateProblems(source: string): string[] {
  const problems: string[] = [];
  for (const match of source.matchAll(placeholder)) {
    const name = match[1] ?? '';
    if (!isKnownPlaceholder(name)) problems.push(`unknown placeholder {{${name}}}; known: ${knownList}`);
  }
  if (source.replace(placeholder, '').includes('{{')) problems.push('a {{ has no matching }}');
  return problems;
}

const templateText = z
  .string()
  .min(1)
  .max(4_000)
  .superRefine((source, ctx) => {
    for (const message of templateProblems(source)) ctx.addIssue({ code: 'custom', message });
  });

export const messageTemplate = z.strictObject({
  title: templateText.optional(),
  text: templateText.optional(),
});

export type MessageTemplate = z.infer<typeof messageTemplate>;

/** How one channel writes text: its escaping for alert-supplied text, links, list items and line breaks. */
export interface Markup {
  readonly escape: (text: string) => string;
  readonly link: (label: string, url: string) => string;
  readonly bullet: string;
  readonly lineBreak: string;
}

/** A chat message in three parts, so a notifier can cut `body` to its limit and keep title and links. */
export interface ChatMessage {
  readonly title: string;
  readonly body: string;
  /** The links line; empty when there are no links or a `text` template took over the body. */
  readonly footer: string;
}

/** The default message in the channel's markup, with the template's title and text where given. */
export function chatMessage(
  notification: Notification,
  template: MessageTemplate | undefined,
  markup: Markup,
): ChatMessage {
  const message = defaultMessage(notification);
  const title =
    template?.title === undefined
      ? markup.escape(message.title)
      : renderTemplate(template.title, notification, markup);
  if (template?.text !== undefined) {
    return { title, body: renderTemplate(template.text, notification, markup), footer: '' };
  }
  const body = message.lines.map((line) => markup.bullet + markup.escape(line)).join(markup.lineBreak);
  const footer = message.links.map((l) => markup.link(l.label, l.url)).join(' · ');
  return { title, body, footer };
}

/**
 * Replaces each placeholder with its value, escaped for the channel; an unknown one (not validated) stays.
 * `{{alerts}}` is a list: its lines are escaped one by one and joined with the channel's own markup.
 */
export function renderTemplate(source: string, notification: Notification, markup: Markup): string {
  return source.replace(placeholder, (match, name: string) => {
    if (name === 'alerts')
      return defaultMessage(notification)
        .lines.map((line) => markup.bullet + markup.escape(line))
        .join(markup.lineBreak);
    return isKnownPlaceholder(name) ? markup.escape(placeholderValue(name, notification)) : match;
  });
}

/**
 * `head`, `body` and `tail` joined by `separator` in at most `maxChars`: the body is cut first, so the
 * title and the links survive a long alert list; empty parts are left out.
 */
export function fitText(
  maxChars: number,
  head: string,
  body: string,
  tail: string,
  separator = '\n',
): string {
  const fixed = [head, tail].filter((p) => p !== '');
  const fixedChars = fixed.join(separator).length;
  const room = maxChars - fixedChars - (fixed.length > 0 ? separator.length : 0);
  const cutBody = body === '' || room <= 1 ? '' : truncate(body, room);
  const text = [head, cutBody, tail].filter((p) => p !== '').join(separator);
  return truncate(text, maxChars);
}

/** A colour-coded dot for channels without a colour field: red/orange/blue by severity, green when resolved. */
export function statusMarker(notification: Notification): string {
  if (notification.status === 'resolved') return '🟢';
  switch (notification.severity) {
    case 'critical':
      return '🔴';
    case 'warning':
      return '🟠';
    default:
      return '🔵';
  }
}

function isKnownPlaceholder(name: string): boolean {
  return (fixedPlaceholders as readonly string[]).includes(name) || keyedPlaceholder.test(name);
}

function placeholderValue(name: string, notification: Notification): string {
  const keyed = keyedPlaceholder.exec(name);
  if (keyed !== null) {
    const source = keyed[1] === 'labels' ? notification.commonLabels : notification.commonAnnotations;
    return source[keyed[2] ?? ''] ?? '';
  }
  const message = defaultMessage(notification);
  switch (name as (typeof fixedPlaceholders)[number]) {
    case 'status':
      return notification.status;
    case 'severity':
      return notification.severity;
    case 'receiver':
      return notification.receiver;
    case 'reason':
      return notification.reason;
    case 'title':
      return message.title;
    case 'summary':
      return summaryOf(notification) ?? message.title;
    case 'alerts':
      return message.lines.join('\n');
    case 'count':
      return String(notification.alerts.length);
    case 'group':
      return Object.entries(notification.groupLabels)
        .map(([label, value]) => `${label}=${value}`)
        .join(', ');
    case 'group_key':
      return notification.groupKey;
    case 'status_page_url':
      return notification.links.statusPage ?? '';
    case 'admin_url':
      return notification.links.admin ?? '';
  }
}

/** The group's common summary, or the only alert's. */
function summaryOf(notification: Notification): string | undefined {
  const only = notification.alerts.length === 1 ? notification.alerts[0] : undefined;
  return notification.commonAnnotations['summary'] ?? only?.annotations['summary'];
}
