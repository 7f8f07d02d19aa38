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
 * Counters that every process counts for the same event, so a sum would count it once per process: a pool
 * mode change the primary's health verdict or an admin drain causes happens in the primary and again in each
 * worker that applies the snapshot. The cluster reports the most any one process counted.
 */
const countedInEveryProcess: ReadonlySet<string> = new Set(['bulwark_gateway_pool_mode_changes_total']);

/**
 * One /metrics for the whole cluster: the primary's registry (pool gauges, health transitions, reloads)
 * plus every worker's, summed by prom-client's AggregatorRegistry, then the primary's text series (monitors).
 * A worker counts with its last scraped values when it does not answer a scrape (stalled, busy), and a
 * worker that died keeps its counters' last values, so cluster totals never go backwards.
 */
export class ClusterMetrics {
  readonly #primary: Pick<GatewayMetrics, 'registry' | 'textSeries'>;
  /** Every live worker's latest scrape, by worker id. */
  readonly #lastScrape = new Map<number, WorkerScrape>();
  /** Workers that exited: a scrape of theirs still on its way must not count a second time. */
  readonly #exited = new Set<number>();
  #retired: WorkerMetrics = [];
  #retiring: Promise<void> = Promise.resolve();

  constructor(primary: Pick<GatewayMetrics, 'registry' | 'textSeries'>) {
    this.#primary = primary;
  }

  get contentType(): string {
    return this.#primary.registry.contentType;
  }

  async text(scrapes: readonly WorkerScrape[]): Promise<string> {
    const { sources, live } = await this.#sources(scrapes);
    const text = await AggregatorRegistry.aggregate([...sources, [workerRequestsMetric(live)]]).metrics();
    const textSeries = this.#primary.textSeries();
    return textSeries === '' ? text : `${text}\n${textSeries}`;
  }

  /** The same totals as `text`, as prom-client JSON (for readers such as live-traffic minutes). */
  async json(scrapes: readonly WorkerScrape[]): Promise<WorkerMetrics> {
    return AggregatorRegistry.aggregate((await this.#sources(scrapes)).sources).getMetricsAsJSON();
  }

  /** The totals as `json`, and each live worker's registry on its own (a silent one's last) beside them. */
  async perWorker(
    scrapes: readonly WorkerScrape[],
  ): Promise<{ totals: WorkerMetrics; workers: WorkerMetrics[] }> {
    const { sources, live } = await this.#sources(scrapes);
    const totals = await AggregatorRegistry.aggregate(sources).getMetricsAsJSON();
    return { totals, workers: live.map((scrape) => scrape.metrics) };
  }

  /** A worker exited: keep its monotonic series (counters, histograms) in the totals. */
  retire(workerId: number): Promise<void> {
    this.#exited.add(workerId);
    // One at a time, each from the totals the last left; its live entry goes only once they hold it.
    const step = this.#retiring.then(async () => {
      const last = this.#lastScrape.get(workerId)?.metrics;
      if (!last) return;
      const monotonic = last.filter((metric) => ['counter', 'histogram'].includes(typeOf(metric)));
      this.#retired = await AggregatorRegistry.aggregate([this.#retired, monotonic]).getMetricsAsJSON();
      this.#lastScrape.delete(workerId);
    });
    this.#retiring = step.catch(() => undefined);
    return step;
  }

  /** The registries to sum, and the live workers' scrapes among them (fresh, or the last for a silent one). */
  async #sources(
    scrapes: readonly WorkerScrape[],
  ): Promise<{ sources: WorkerMetrics[]; live: WorkerScrape[] }> {
    for (const scrape of scrapes)
      if (!this.#exited.has(scrape.workerId))
        this.#lastScrape.set(scrape.workerId, { ...scrape, metrics: withClusterAggregators(scrape.metrics) });
    const primary = withClusterAggregators(await this.#primary.registry.getMetricsAsJSON());
    const live = [...this.#lastScrape.values()];
    return { sources: [primary, ...live.map((scrape) => scrape.metrics), this.#retired], live };
  }
}

/** AggregatorRegistry combines each family as its first source says: see countedInEveryProcess. */
function withClusterAggregators(metrics: WorkerMetrics): WorkerMetrics {
  return metrics.map((metric) =>
    countedInEveryProcess.has(metric.name) ? { ...metric, aggregator: 'max' } : metric,
  );
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
