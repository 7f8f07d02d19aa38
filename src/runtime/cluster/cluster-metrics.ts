import { AggregatorRegistry } from 'prom-client';
import type { GatewayMetrics } from '../../observability/index.ts';
import type { WorkerMetrics } from './messages.ts';

type MetricJson = WorkerMetrics[number];

export interface WorkerScrape {
  /** cluster worker id: unique for the life of the primary, unlike the slot a replacement reuses. */
  readonly workerId: number;
  readonly slot: number;
  readonly metrics: WorkerMetrics;
}

const requestsTotal = 'bulwark_gateway_requests_total';

/**
 * One /metrics for the whole cluster: the primary's registry (pool gauges, health transitions, reloads)
 * plus every worker's, summed by prom-client's AggregatorRegistry, then the primary's text series (monitors).
 * Counters of a worker that died keep their last scraped value, so a crash does not make cluster totals go
 * backwards.
 */
export class ClusterMetrics {
  readonly #primary: Pick<GatewayMetrics, 'registry' | 'textSeries'>;
  readonly #lastScrape = new Map<number, WorkerMetrics>();
  #retired: WorkerMetrics = [];

  constructor(primary: Pick<GatewayMetrics, 'registry' | 'textSeries'>) {
    this.#primary = primary;
  }

  get contentType(): string {
    return this.#primary.registry.contentType;
  }

  async text(scrapes: readonly WorkerScrape[]): Promise<string> {
    const sources = [...(await this.#sources(scrapes)), [workerRequestsMetric(scrapes)]];
    const text = await AggregatorRegistry.aggregate(sources).metrics();
    const textSeries = this.#primary.textSeries();
    return textSeries === '' ? text : `${text}\n${textSeries}`;
  }

  /** The same totals as `text`, as prom-client JSON (for readers such as live-traffic minutes). */
  async json(scrapes: readonly WorkerScrape[]): Promise<WorkerMetrics> {
    return AggregatorRegistry.aggregate(await this.#sources(scrapes)).getMetricsAsJSON();
  }

  /** A worker exited: keep its monotonic series (counters, histograms) in the totals. */
  async retire(workerId: number): Promise<void> {
    const last = this.#lastScrape.get(workerId);
    this.#lastScrape.delete(workerId);
    if (!last) return;
    const monotonic = last.filter((metric) => ['counter', 'histogram'].includes(typeOf(metric)));
    this.#retired = await AggregatorRegistry.aggregate([this.#retired, monotonic]).getMetricsAsJSON();
  }

  async #sources(scrapes: readonly WorkerScrape[]): Promise<WorkerMetrics[]> {
    for (const scrape of scrapes) this.#lastScrape.set(scrape.workerId, scrape.metrics);
    const primary = await this.#primary.registry.getMetricsAsJSON();
    return [primary, ...scrapes.map((scrape) => scrape.metrics), this.#retired];
  }
}

// prom-client types `type` as a numeric enum, but at run time it is the exposition name ('counter', …).
const typeOf = (metric: MetricJson): string => metric.type as unknown as string;

/** Requests each live worker finished, so an operator sees whether the kernel/primary spreads load evenly. */
function workerRequestsMetric(scrapes: readonly WorkerScrape[]): MetricJson {
  return {
    name: 'bulwark_gateway_worker_requests_total',
    help: 'Client requests finished by the gateway worker in each slot (resets when the slot is replaced).',
    type: 'counter',
    aggregator: 'sum',
    values: scrapes.map(({ slot, metrics }) => ({
      labels: { worker: String(slot) },
      value: metrics
        .filter((metric) => metric.name === requestsTotal)
        .flatMap((metric) => metric.values)
        .reduce((sum, sample) => sum + sample.value, 0),
    })),
  } as unknown as MetricJson;
}
