import { formatUptimePercent } from '../../core/units.ts';
import type { ComponentStatus } from '../model.ts';
import type { ComponentView } from '../view.ts';
import { escapeXml } from './escape-xml.ts';

// shields.io's "flat" layout and palette, so our badges sit beside theirs in a README.

const statusColours: Readonly<Record<ComponentStatus, string>> = {
  operational: '#4c1',
  degraded_performance: '#dfb317',
  partial_outage: '#fe7d37',
  major_outage: '#e05d44',
  under_maintenance: '#007ec6',
};

/** `API | major outage`, coloured by status. */
export function statusBadge(component: ComponentView): string {
  return badge(component.name, component.status.replaceAll('_', ' '), statusColours[component.status]);
}

/** `API uptime | 99.95%` over the 90 days, or `no data`. */
export function uptimeBadge(component: ComponentView): string {
  const uptime = component.uptime90d;
  const message = uptime === null ? 'no data' : formatUptimePercent(uptime);
  return badge(`${component.name} uptime`, message, uptimeColour(uptime));
}

function uptimeColour(uptime: number | null): string {
  if (uptime === null) return '#9f9f9f';
  if (uptime >= 0.999) return '#4c1';
  if (uptime >= 0.99) return '#97ca00';
  if (uptime >= 0.95) return '#dfb317';
  return '#e05d44';
}

/** Horizontal padding around each half's text. */
const paddingPx = 10;

// Verdana at 11px, in three widths: exact metrics would need the font; a badge a few pixels too wide is fine.
function textWidthPx(text: string): number {
  let widthPx = 0;
  for (const char of text) {
    if (/[ijlI.,:;!|'()[\] ft]/.test(char)) widthPx += 4;
    else if (/[mwMW%@]/.test(char)) widthPx += 10;
    else if (/[A-Z0-9]/.test(char)) widthPx += 7.5;
    else widthPx += 6.5;
  }
  return Math.ceil(widthPx);
}

function badge(label: string, message: string, colour: string): string {
  const labelWidthPx = textWidthPx(label) + paddingPx;
  const messageWidthPx = textWidthPx(message) + paddingPx;
  const widthPx = labelWidthPx + messageWidthPx;
  const title = escapeXml(`${label}: ${message}`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="20" role="img" aria-label="${title}">`,
    `<title>${title}</title>`,
    '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>',
    '<stop offset="1" stop-opacity=".1"/></linearGradient>',
    `<clipPath id="r"><rect width="${widthPx}" height="20" rx="3" fill="#fff"/></clipPath>`,
    `<g clip-path="url(#r)"><rect width="${labelWidthPx}" height="20" fill="#555"/>`,
    `<rect x="${labelWidthPx}" width="${messageWidthPx}" height="20" fill="${colour}"/>`,
    `<rect width="${widthPx}" height="20" fill="url(#s)"/></g>`,
    '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">',
    shadowedText(label, labelWidthPx / 2),
    shadowedText(message, labelWidthPx + messageWidthPx / 2),
    '</g></svg>',
  ].join('');
}

/** The text twice: a faint copy 1px lower is shields' drop shadow; screen readers skip it. */
function shadowedText(text: string, centreXPx: number): string {
  const escaped = escapeXml(text);
  return (
    `<text aria-hidden="true" x="${centreXPx}" y="15" fill="#010101" fill-opacity=".3">${escaped}</text>` +
    `<text x="${centreXPx}" y="14">${escaped}</text>`
  );
}
