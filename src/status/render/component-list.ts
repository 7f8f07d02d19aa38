import type { ComponentView, StatusView } from '../view.ts';
import { escapeHtml, hrefFor } from './html.ts';
import { componentStatusLabels, componentStatusTones, toneLabel } from './labels.ts';
import { renderLatencySparkline } from './latency-chart.ts';
import { formatUptimePercent } from './time-format.ts';
import { renderUptimeBars } from './uptime-bars.ts';

const statusTag = (component: ComponentView): string =>
  toneLabel(componentStatusTones[component.status], componentStatusLabels[component.status]);

const descriptionOf = (component: ComponentView): string =>
  component.description === null || component.description === ''
    ? ''
    : `<p class="muted">${escapeHtml(component.description)}</p>`;

function renderLatest(component: ComponentView, timeZone: string): string {
  const latest = component.latency.at(-1);
  if (!latest) return '';
  const sparkline = renderLatencySparkline(component.latency, timeZone);
  return `<span>${sparkline} ${Math.round(latest.p50Ms)} ms</span>`;
}

function renderComponent(component: ComponentView, timeZone: string): string {
  const name = escapeHtml(component.name);
  const uptime = component.uptime90d === null ? 'No data' : formatUptimePercent(component.uptime90d);
  return (
    `<li class="c"><div class="row"><span class="name">${name}</span>${statusTag(component)}</div>` +
    descriptionOf(component) +
    renderUptimeBars(component.name, component.days, component.uptime90d) +
    `<div class="row muted"><span>90-day uptime: ${uptime}</span>${renderLatest(component, timeZone)}` +
    `<a href="${hrefFor('/components/', component.id)}">Details<span class="vh"> for ${name}</span></a></div></li>`
  );
}

// Positions are unique and plain digits, so they make safe element ids where component ids might not.
function renderGroup(group: ComponentView, children: readonly ComponentView[], timeZone: string): string {
  const headingId = `c${group.position}`;
  return (
    `<li class="grp"><section aria-labelledby="${headingId}"><div class="row">` +
    `<h3 id="${headingId}">${escapeHtml(group.name)}</h3>${statusTag(group)}</div>` +
    descriptionOf(group) +
    `<ul class="plain">${children.map((child) => renderComponent(child, timeZone)).join('')}</ul></section></li>`
  );
}

/** Every component in config order; a group is a labelled region holding its children. */
export function renderComponentList(view: StatusView): string {
  const byId = new Map(view.components.map((component) => [component.id, component]));
  const isTopLevel = (component: ComponentView): boolean =>
    component.groupId === null || byId.get(component.groupId)?.isGroup !== true;
  const items = view.components.filter(isTopLevel).map((component) => {
    if (!component.isGroup) return renderComponent(component, view.page.timeZone);
    const children = component.childIds.flatMap((id) => {
      const child = byId.get(id);
      return child ? [child] : [];
    });
    return renderGroup(component, children, view.page.timeZone);
  });
  return `<ul class="plain">${items.join('')}</ul>`;
}
