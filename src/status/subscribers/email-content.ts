import { escapeHtml } from '../../core/markup.ts';
import type { AffectedComponent } from '../model.ts';
import { incidentUrl } from '../api/published.ts';
import { componentStatusLabels, updateStatusLabels } from '../render/labels.ts';
import { renderMarkdown } from '../render/markdown.ts';
import { formatDateTime, windowTags } from '../render/time-format.ts';
import type { PageInfo } from '../view.ts';
import type { Notice } from './notices.ts';

/** One mail's words: the sender adds From, the recipient, Message-ID and the unsubscribe headers. */
export interface MailText {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

type EventNotice = Extract<Notice, { kind: 'incident' | 'maintenance' }>;

const maintenanceHeadlines = {
  announced: 'Scheduled maintenance',
  started: 'Maintenance started',
  updated: 'Maintenance update',
  completed: 'Maintenance completed',
} as const;

/**
 * The mail for one incident or maintenance update. The subject stays the same for the whole incident so mail
 * clients keep one thread; the first line of the body says what changed. `scope` names what the recipient
 * subscribed to, and `unsubscribeUrl` leaves in one click.
 */
export function noticeMail(
  page: PageInfo,
  notice: EventNotice,
  recipient: { readonly scope: string; readonly unsubscribeUrl: string },
): MailText {
  const zone = page.timeZone;
  const event = notice.kind === 'incident' ? notice.incident : notice.maintenance;
  const { update } = notice;
  const subject = oneLine(
    notice.kind === 'incident' ? `[${page.name}] ${event.name}` : `[${page.name}] Maintenance: ${event.name}`,
  );
  const statusLine = `${updateStatusLabels[update.status]} · ${formatDateTime(update.displayAtMs, zone)}`;
  const windowLine =
    notice.kind === 'maintenance'
      ? `Scheduled: ${stripTags(windowTags(notice.maintenance.scheduledForMs, notice.maintenance.scheduledUntilMs, zone))}`
      : undefined;
  const headline =
    notice.kind === 'incident' ? event.name : `${maintenanceHeadlines[notice.phase]}: ${event.name}`;
  const affected = affectedLine(update.affectedComponents);
  const link = incidentUrl(page, event.id);
  const footer = [
    `You receive this because you subscribed to ${page.name} (${recipient.scope}).`,
    `Unsubscribe: ${recipient.unsubscribeUrl}`,
  ];
  const text = [
    headline,
    statusLine,
    ...(windowLine === undefined ? [] : [windowLine]),
    '',
    ...(update.body.trim() === '' ? [] : [update.body.trim(), '']),
    ...(affected === undefined ? [] : [affected, '']),
    `Details: ${link}`,
    '',
    '-- ',
    ...footer,
  ].join('\n');
  // Every interpolated string is escaped; the body goes through the page's own sanitizing Markdown renderer.
  const html = [
    '<!DOCTYPE html>',
    '<html><body style="font-family:sans-serif;line-height:1.45;color:#1f2328">',
    `<h2 style="font-size:18px;margin:0 0 4px">${escapeHtml(headline)}</h2>`,
    `<p style="margin:0 0 12px;color:#57606a">${escapeHtml(statusLine)}</p>`,
    ...(windowLine === undefined ? [] : [`<p>${escapeHtml(windowLine)}</p>`]),
    update.body.trim() === '' ? '' : renderMarkdown(update.body),
    ...(affected === undefined ? [] : [`<p>${escapeHtml(affected)}</p>`]),
    `<p><a href="${escapeHtml(link)}">View on ${escapeHtml(page.name)}</a></p>`,
    `<p style="color:#57606a;font-size:12px">${escapeHtml(footer[0] ?? '')} ` +
      `<a href="${escapeHtml(recipient.unsubscribeUrl)}">Unsubscribe</a></p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

/** The double opt-in mail: nothing else is ever sent to an address that has not clicked its link. */
export function confirmationMail(page: PageInfo, scope: string, confirmUrl: string): MailText {
  const subject = oneLine(`Confirm your subscription to ${page.name}`);
  const lead = `Someone, hopefully you, asked for updates from ${page.name} (${scope}) at this address.`;
  const ignore = 'If that was not you, ignore this mail: nothing more is sent unless the link is opened.';
  const text = [lead, '', `Confirm: ${confirmUrl}`, '', ignore].join('\n');
  const html = [
    '<!DOCTYPE html>',
    '<html><body style="font-family:sans-serif;line-height:1.45;color:#1f2328">',
    `<p>${escapeHtml(lead)}</p>`,
    `<p><a href="${escapeHtml(confirmUrl)}">Confirm the subscription</a></p>`,
    `<p style="color:#57606a">${escapeHtml(ignore)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

function affectedLine(changes: readonly AffectedComponent[] | null): string | undefined {
  if (changes === null || changes.length === 0) return undefined;
  const parts = changes.map(
    (c) => `${c.name} (${componentStatusLabels[c.oldStatus]} → ${componentStatusLabels[c.newStatus]})`,
  );
  return `Affected: ${parts.join(', ')}`;
}

// windowTags writes <time> elements for the page; a mail's text wants only their words.
const stripTags = (html: string): string => html.replace(/<[^>]*>/g, '');

// A line break in a subject would start a new mail header; names come from API input and config.
const oneLine = (text: string): string => text.replace(/[\r\n]+/g, ' ');
