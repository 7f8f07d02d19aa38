import type { AffectedComponent, TimelineUpdate } from '../model.ts';
import { escapeHtml } from './html.ts';
import { componentStatusLabels, updateStatusLabels } from './labels.ts';
import { renderMarkdown } from './markdown.ts';
import { formatClock, timeTag } from './time-format.ts';

/** An incident's or maintenance's updates, newest first, each with its body, time and component changes. */
export function renderTimeline(updates: readonly TimelineUpdate[], timeZone: string): string {
  // The model keeps updates newest first; sorting again costs little and protects the reading order.
  const newestFirst = [...updates].sort((a, b) => b.displayAtMs - a.displayAtMs);
  return `<ol class="tl">${newestFirst.map((update) => renderUpdate(update, timeZone)).join('')}</ol>`;
}

function renderUpdate(update: TimelineUpdate, timeZone: string): string {
  const nextUpdate =
    update.nextUpdateByMs === null
      ? ''
      : `<p class="muted">Next update by ${timeTag(update.nextUpdateByMs, timeZone, formatClock(update.nextUpdateByMs, timeZone))}</p>`;
  return (
    `<li><p class="meta"><strong>${updateStatusLabels[update.status]}</strong> · ` +
    `${timeTag(update.displayAtMs, timeZone)}</p>` +
    `<div class="md">${renderMarkdown(update.body)}</div>` +
    renderAffected(update.affectedComponents) +
    nextUpdate +
    '</li>'
  );
}

function renderAffected(affected: readonly AffectedComponent[] | null): string {
  if (affected === null || affected.length === 0) return '';
  const items = affected.map(
    (change) =>
      `<li>${escapeHtml(change.name)}: ${componentStatusLabels[change.oldStatus]} → ` +
      `${componentStatusLabels[change.newStatus]}</li>`,
  );
  return `<p class="muted">Affected components:</p><ul>${items.join('')}</ul>`;
}
