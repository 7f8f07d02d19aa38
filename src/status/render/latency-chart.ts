import type { LatencyPoint } from '../view.ts';
import { escapeHtml } from './html.ts';
import { formatClock } from './time-format.ts';

interface Frame {
  readonly widthUnits: number;
  readonly heightUnits: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

const chartFrame: Frame = { widthUnits: 600, heightUnits: 180, left: 56, right: 12, top: 10, bottom: 24 };
const sparkFrame: Frame = { widthUnits: 96, heightUnits: 24, left: 0, right: 0, top: 2, bottom: 2 };

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `ms`, so the axis reads in round numbers. */
function niceCeilingMs(ms: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(ms, 1)));
  const step = [1, 2, 2.5, 5, 10].find((factor) => factor * magnitude >= ms) ?? 10;
  return step * magnitude;
}

function polylinePoints(points: readonly LatencyPoint[], frame: Frame, maxMs: number): string {
  const firstMs = points[0]?.atMs ?? 0;
  const spanMs = Math.max(1, (points.at(-1)?.atMs ?? 0) - firstMs);
  const plotWidth = frame.widthUnits - frame.left - frame.right;
  const plotHeight = frame.heightUnits - frame.top - frame.bottom;
  return points
    .map((point) => {
      const x = points.length === 1 ? plotWidth / 2 : ((point.atMs - firstMs) / spanMs) * plotWidth;
      const y = plotHeight - (Math.min(point.p50Ms, maxMs) / maxMs) * plotHeight;
      return `${round1(frame.left + x)},${round1(frame.top + y)}`;
    })
    .join(' ');
}

function describe(points: readonly LatencyPoint[], timeZone: string): string {
  const values = points.map((point) => Math.round(point.p50Ms));
  const first = points[0]?.atMs ?? 0;
  const last = points.at(-1)?.atMs ?? 0;
  return (
    `Median response time per hour, ${formatClock(first, timeZone)} to ${formatClock(last, timeZone)}: ` +
    `lowest ${Math.min(...values)} ms, highest ${Math.max(...values)} ms, latest ${values.at(-1) ?? 0} ms`
  );
}

/** The last 24 hours' median latency with axis labels: the component page's chart. Empty without points. */
export function renderLatencyChart(points: readonly LatencyPoint[], timeZone: string): string {
  if (points.length === 0) return '';
  const f = chartFrame;
  const maxMs = niceCeilingMs(Math.max(...points.map((point) => point.p50Ms)));
  const bottomY = f.heightUnits - f.bottom;
  const rightX = f.widthUnits - f.right;
  const gridY = [0, 0.5, 1].map((share) => ({
    ms: maxMs * share,
    y: round1(bottomY - share * (bottomY - f.top)),
  }));
  const grid = gridY
    .map(
      ({ ms, y }) =>
        `<line x1="${f.left}" x2="${rightX}" y1="${y}" y2="${y}"/>` +
        `<text x="${f.left - 6}" y="${y + 4}" text-anchor="end">${round1(ms)} ms</text>`,
    )
    .join('');
  const firstMs = points[0]?.atMs ?? 0;
  const lastMs = points.at(-1)?.atMs ?? 0;
  const xLabels =
    `<text x="${f.left}" y="${f.heightUnits - 6}">${formatClock(firstMs, timeZone)}</text>` +
    `<text x="${rightX}" y="${f.heightUnits - 6}" text-anchor="end">${formatClock(lastMs, timeZone)}</text>`;
  const description = escapeHtml(describe(points, timeZone));
  return (
    `<svg class="chart" viewBox="0 0 ${f.widthUnits} ${f.heightUnits}" role="img" aria-label="${description}">` +
    `<title>${description}</title>${grid}${xLabels}` +
    `<polyline points="${polylinePoints(points, f, maxMs)}"/></svg>`
  );
}

/** A small line of the same points for the home page, beside the latest value as text. */
export function renderLatencySparkline(points: readonly LatencyPoint[], timeZone: string): string {
  if (points.length === 0) return '';
  const maxMs = niceCeilingMs(Math.max(...points.map((point) => point.p50Ms)));
  const f = sparkFrame;
  return (
    `<svg class="spark" viewBox="0 0 ${f.widthUnits} ${f.heightUnits}" preserveAspectRatio="none" role="img" ` +
    `aria-label="${escapeHtml(describe(points, timeZone))}"><polyline points="${polylinePoints(points, f, maxMs)}"/></svg>`
  );
}
