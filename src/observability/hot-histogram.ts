import type { Metric, Registry } from 'prom-client';

/** One labelled series of a HotHistogram: per-bucket counts (not cumulative), sum and count. */
export class HistogramCell {
  readonly labels: Readonly<Record<string, string>>;
  readonly bucketCounts: Float64Array;
  readonly #upperBounds: readonly number[];
  sum = 0;
  count = 0;

  constructor(labels: Readonly<Record<string, string>>, upperBounds: readonly number[]) {
    this.labels = labels;
    this.#upperBounds = upperBounds;
    this.bucketCounts = new Float64Array(upperBounds.length);
  }

  observe(value: number): void {
    // A NaN would poison the sum for the life of the process; an event with no duration is dropped.
    if (!(value >= 0)) return;
    const bounds = this.#upperBounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] ?? Infinity)) i++;
    if (i < bounds.length) this.bucketCounts[i] = (this.bucketCounts[i] ?? 0) + 1;
    this.sum += value;
    this.count++;
  }
}

interface SampleValue {
  readonly metricName: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

/**
 * A Prometheus histogram fed from plain cells. prom-client's Histogram has no way to add a pre-counted
 * bucket, and its `observe()` costs ~275 ns per call (label validation and hashing each time), so this
 * object speaks the registry's metric protocol (`name`, `help`, `type`, `get()`) itself.
 */
export class HotHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly upperBounds: readonly number[];
  readonly #cells: HistogramCell[] = [];

  constructor(registry: Registry, name: string, help: string, upperBounds: readonly number[]) {
    this.name = name;
    this.help = help;
    this.upperBounds = [...upperBounds].sort((a, b) => a - b);
    // The registry only calls get(), reset() and reads the fields above; it never needs a real Histogram.
    registry.registerMetric(this as unknown as Metric);
  }

  /** Call once per label set and keep the cell. */
  cell(labels: Readonly<Record<string, string>>): HistogramCell {
    const cell = new HistogramCell(labels, this.upperBounds);
    this.#cells.push(cell);
    return cell;
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: SampleValue[] }> {
    const values: SampleValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const cell of this.#cells) {
      let cumulative = 0;
      this.upperBounds.forEach((bound, i) => {
        cumulative += cell.bucketCounts[i] ?? 0;
        values.push({ metricName: bucketName, labels: { ...cell.labels, le: bound }, value: cumulative });
      });
      values.push({ metricName: bucketName, labels: { ...cell.labels, le: '+Inf' }, value: cell.count });
      values.push({ metricName: `${this.name}_sum`, labels: cell.labels, value: cell.sum });
      values.push({ metricName: `${this.name}_count`, labels: cell.labels, value: cell.count });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  /** Registry.resetMetrics() zeroes every series but keeps the cells that the hot path holds. */
  reset(): void {
    for (const cell of this.#cells) {
      cell.bucketCounts.fill(0);
      cell.sum = 0;
      cell.count = 0;
    }
  }
}
