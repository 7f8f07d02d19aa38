import { Counter, type Registry } from 'prom-client';

/** One labelled series of a HotCounter. The hot path only adds to a number; prom-client sees it at scrape. */
export class CounterCell {
  readonly labels: Readonly<Record<string, string>>;
  count = 0;
  flushedCount = 0;

  constructor(labels: Readonly<Record<string, string>>) {
    this.labels = labels;
  }

  inc(): void {
    this.count++;
  }
}

/**
 * A prom-client Counter whose increments are buffered in plain cells and handed over in `collect()`.
 * prom-client hashes the label set on every `inc()`, even on a cached `labels()` child (~190 ns
 * measured); a cell increment is ~10 ns, which matters at 20k+ events/s.
 */
export class HotCounter {
  readonly #counter: Counter;
  readonly #cells: CounterCell[] = [];

  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[]) {
    const cells = this.#cells;
    this.#counter = new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        for (const cell of cells) {
          const delta = cell.count - cell.flushedCount;
          if (delta > 0) this.inc(cell.labels, delta);
          cell.flushedCount = cell.count;
        }
      },
    });
  }

  /** Call once per label set and keep the cell: creating one costs what prom-client costs per inc. */
  cell(labels: Readonly<Record<string, string>>): CounterCell {
    const cell = new CounterCell(labels);
    this.#cells.push(cell);
    // Register the series at 0 so it is scraped even before its first increment is flushed.
    this.#counter.inc(labels, 0);
    return cell;
  }
}
