import { isActiveMaintenance } from '../model.ts';
import type { ComponentView, DayUptime, StatusView } from '../view.ts';
import { escapeHtml, hrefFor, renderDocument, renderSection } from './html.ts';
import { componentStatusLabels, componentStatusTones, toneLabel } from './labels.ts';
import { renderLatencyChart } from './latency-chart.ts';
import { formatUptimePercent } from './time-format.ts';
import { renderUptimeBars } from './uptime-bars.ts';

const dayMs = 86_400_000;

/** An incident or maintenance as an interval over the components it touched. */
interface Touch {
  readonly link: string;
  readonly fromMs: number;
  readonly untilMs: number;
}

const linkTo = (id: string, name: string): string =>
  `<a href="${hrefFor('/incidents/', id)}">${escapeHtml(name)}</a>`;

function touchesOf(view: StatusView, componentId: string): Touch[] {
  const incidents = view.incidents
    .filter((incident) => !incident.isDraft)
    .filter(
      (incident) =>
        incident.componentIds.includes(componentId) ||
        incident.updates.some((update) =>
          update.affectedComponents?.some((change) => change.code === componentId),
        ),
    )
    .map((incident) => ({
      link: linkTo(incident.id, incident.name),
      fromMs: incident.startedAtMs,
      untilMs: incident.resolvedAtMs ?? view.nowMs,
    }));
  // A scheduled maintenance has not touched anything yet; a running one reaches until now.
  const maintenances = view.maintenances
    .filter(
      (maintenance) => maintenance.status !== 'scheduled' && maintenance.componentIds.includes(componentId),
    )
    .map((maintenance) => ({
      link: linkTo(maintenance.id, maintenance.name),
      fromMs: maintenance.startedAtMs ?? maintenance.scheduledForMs,
      untilMs:
        maintenance.completedAtMs ??
        (isActiveMaintenance(maintenance) ? view.nowMs : maintenance.scheduledUntilMs),
    }));
  return [...incidents, ...maintenances];
}

// Ceiling, as in the bars' tooltips: any downtime at all shows as at least a minute.
const minutesCell = (ms: number, day: DayUptime): string =>
  `<td class="num">${day.uptime === null ? '–' : Math.ceil(ms / 60_000)}</td>`;

function renderDayRow(day: DayUptime, touches: readonly Touch[]): string {
  const dayStartMs = Date.parse(`${day.date}T00:00:00Z`);
  const links = touches
    .filter((touch) => touch.fromMs < dayStartMs + dayMs && touch.untilMs > dayStartMs)
    .map((touch) => touch.link);
  const uptime = day.uptime === null ? 'No data' : formatUptimePercent(day.uptime);
  return (
    `<tr><th scope="row">${escapeHtml(day.date)}</th><td class="num">${uptime}</td>` +
    `${minutesCell(day.downMs, day)}${minutesCell(day.degradedMs, day)}<td>${links.join(', ')}</td></tr>`
  );
}

function renderDayTable(component: ComponentView, view: StatusView): string {
  const touches = touchesOf(view, component.id);
  const newestFirst = [...component.days].reverse();
  return (
    `<table><caption>Each UTC day of the last ${component.days.length}, newest first</caption><thead><tr>` +
    '<th scope="col">Date (UTC)</th><th scope="col" class="num">Uptime</th>' +
    '<th scope="col" class="num">Down (min)</th><th scope="col" class="num">Degraded (min)</th>' +
    '<th scope="col">Incidents</th></tr></thead>' +
    `<tbody>${newestFirst.map((day) => renderDayRow(day, touches)).join('')}</tbody></table>`
  );
}

function componentBody(component: ComponentView, view: StatusView): string {
  const uptime = component.uptime90d === null ? 'No data' : formatUptimePercent(component.uptime90d);
  const chart = renderLatencyChart(component.latency, view.page.timeZone);
  return (
    `<p>90-day uptime: ${uptime}</p>${renderUptimeBars(component.name, component.days, component.uptime90d)}` +
    renderSection(
      'latency',
      'Response time, last 24 hours',
      chart === '' ? `<p>${noLatencyText(component)}</p>` : chart,
    ) +
    renderSection(
      'days',
      'Daily uptime',
      component.days.length === 0 ? '<p>No data.</p>' : renderDayTable(component, view),
    )
  );
}

/**
 * The chart is drawn from hourly rollups (reading minute sketches every refresh costs the gateway's event loop
 * more): a new monitor's first point comes after its first complete hour, which the page says.
 */
function noLatencyText(component: ComponentView): string {
  return component.monitors.length === 0
    ? 'No response-time data: no monitor checks this component.'
    : 'No response-time data yet: each complete hour of successful checks adds a point, a minute or so after the hour ends.';
}

function groupBody(group: ComponentView, view: StatusView): string {
  const children = view.components.filter((component) => group.childIds.includes(component.id));
  const items = children.map(
    (child) =>
      `<li><a href="${hrefFor('/components/', child.id)}">${escapeHtml(child.name)}</a> ` +
      toneLabel(componentStatusTones[child.status], componentStatusLabels[child.status]) +
      '</li>',
  );
  return renderSection('children', 'Components in this group', `<ul>${items.join('')}</ul>`);
}

/** `/components/{id}`: a component's 90 days one by one and its response time; undefined for unknown ids. */
export function renderComponentPage(view: StatusView, id: string): string | undefined {
  const component = view.components.find((candidate) => candidate.id === id);
  if (!component) return undefined;
  const status = toneLabel(componentStatusTones[component.status], componentStatusLabels[component.status]);
  const description = component.description === null ? '' : `<p>${escapeHtml(component.description)}</p>`;
  const details = component.isGroup ? groupBody(component, view) : componentBody(component, view);
  const body = `<h1>${escapeHtml(component.name)}</h1><p>Status: ${status}</p>${description}${details}`;
  return renderDocument(view, { title: component.name, body });
}
