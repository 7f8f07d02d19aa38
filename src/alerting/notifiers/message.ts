import type { Alert } from '../alert.ts';
import type { Notification } from '../notification.ts';

/**
 * The concise default message every chat-style notifier starts from: what, where, since when, and links.
 * `title` is one line; `lines` are one per alert (at most `maxAlerts`, then "and N more").
 */
export interface DefaultMessage {
  readonly title: string;
  readonly lines: readonly string[];
  readonly links: readonly { readonly label: string; readonly url: string }[];
}

const maxAlertsShown = 10;

export function defaultMessage(notification: Notification): DefaultMessage {
  const firing = notification.alerts.filter((a) => a.status === 'firing');
  const resolved = notification.alerts.filter((a) => a.status === 'resolved');
  const subject = groupSubject(notification);
  const title =
    notification.reason === 'test'
      ? `Test notification from Bulwark (${notification.receiver})`
      : firing.length > 0
        ? `[${notification.severity.toUpperCase()}] FIRING${count(firing.length)}: ${subject}`
        : `RESOLVED${count(resolved.length)}: ${subject}`;
  const shown = [...firing, ...resolved].slice(0, maxAlertsShown);
  const lines = shown.map((alert) => alertLine(alert));
  const hidden = notification.alerts.length - shown.length;
  if (hidden > 0) lines.push(`and ${hidden} more`);
  const links = [
    ...(notification.links.statusPage ? [{ label: 'Status page', url: notification.links.statusPage }] : []),
    ...(notification.links.admin ? [{ label: 'Admin', url: notification.links.admin }] : []),
  ];
  return { title, lines, links };
}

/** One alert: its summary (or name), where, and since when / for how long. */
export function alertLine(alert: Alert): string {
  const what = alert.annotations['summary'] ?? alert.labels['alertname'] ?? alert.fingerprint;
  const since = new Date(alert.startsAtMs).toISOString().replace('.000Z', 'Z');
  if (alert.status === 'resolved' && alert.endsAtMs !== undefined) {
    return `${what}: resolved after ${formatDuration(alert.endsAtMs - alert.startsAtMs)} (since ${since})`;
  }
  return `${what} (since ${since})`;
}

/** `45s`, `12m 5s`, `3h 2m`, `2d 4h`: short enough for a phone's lock screen. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/** Cuts `text` to `max` characters, marking the cut with an ellipsis (services reject or mangle longer text). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Escapes text for HTML-mode services (Telegram, Pushover): a summary's `<` or `&` must not read as markup. */
export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Escapes `text` and cuts it so the escaped form fits `max` characters, never inside an entity or a surrogate pair. */
export function escapeHtmlWithin(text: string, max: number): string {
  const escaped = escapeHtml(text);
  if (escaped.length <= max) return escaped;
  let fitted = '';
  for (const char of text) {
    const piece = escapeHtml(char);
    if (fitted.length + piece.length > max - 1) break;
    fitted += piece;
  }
  return `${fitted}…`;
}

function groupSubject(notification: Notification): string {
  const values = Object.values(notification.groupLabels).filter((v) => v !== '');
  if (values.length > 0) return values.join(' / ');
  const only = notification.alerts.length === 1 ? notification.alerts[0] : undefined;
  return only?.annotations['summary'] ?? only?.labels['alertname'] ?? 'alerts';
}

function count(n: number): string {
  return n > 1 ? ` (${n})` : '';
}
