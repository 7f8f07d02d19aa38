/**
 * Live traffic as a signal beside the synthetic checks: per pool and per route, each minute's requests,
 * errors and latency percentiles, computed from two readings of the gateway's cumulative counters. The
 * control plane reads the counters; nothing here runs on, or writes from, the request path.
 */

/** One reading of the gateway's counters (Prometheus semantics: cumulative since the process started). */
export interface TrafficReading {
  readonly requests: readonly {
    readonly route: string;
    readonly pool: string;
    readonly statusClass: string;
    readonly count: number;
  }[];
  readonly durations: readonly {
    readonly route: string;
    readonly pool: string;
    /** Cumulative bucket counts by upper bound in seconds, ascending; the last is +Inf. */
    readonly buckets: readonly { readonly le: number; readonly count: number }[];
  }[];
}

/** Where traffic minutes are kept; implemented by the store. */
export interface TrafficStore {
  /** Inserts or replaces rows by (scope, name, startMs). */
  appendTraffic(rows: readonly TrafficRow[]): Promise<void>;
  traffic(scope: 'pool' | 'route', name: string, fromMs: number, toMs: number): Promise<TrafficRow[]>;
  pruneTrafficBefore(atMs: number): Promise<number>;
}

export interface TrafficRow {
  readonly scope: 'pool' | 'route';
  readonly name: string;
  readonly startMs: number;
  readonly requests: number;
  /** 5xx answers, the gateway's own included. */
  readonly errors: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
}

/**
 * The traffic between two readings, per pool and per route. Counters that went backwards (a restart, a
 * worker replaced) count from zero, as Prometheus' increase() does.
 */
export function trafficBetween(
  previous: TrafficReading,
  next: TrafficReading,
  startMs: number,
): TrafficRow[] {
  const totals = new Map<string, { requests: number; errors: number; buckets: Map<number, number> }>();
  const entryOf = (scope: 'pool' | 'route', name: string) => {
    const key = `${scope}\u0000${name}`;
    let entry = totals.get(key);
    if (!entry) totals.set(key, (entry = { requests: 0, errors: 0, buckets: new Map() }));
    return entry;
  };
  const before = new Map(previous.requests.map((r) => [`${r.route}|${r.pool}|${r.statusClass}`, r.count]));
  for (const r of next.requests) {
    const delta = increase(before.get(`${r.route}|${r.pool}|${r.statusClass}`) ?? 0, r.count);
    if (delta === 0) continue;
    for (const entry of [entryOf('pool', r.pool), entryOf('route', r.route)]) {
      entry.requests += delta;
      if (r.statusClass === '5xx') entry.errors += delta;
    }
  }
  const beforeDurations = new Map(previous.durations.map((d) => [`${d.route}|${d.pool}`, d.buckets]));
  for (const d of next.durations) {
    const old = new Map((beforeDurations.get(`${d.route}|${d.pool}`) ?? []).map((b) => [b.le, b.count]));
    for (const bucket of d.buckets) {
      const delta = increase(old.get(bucket.le) ?? 0, bucket.count);
      if (delta === 0) continue;
      for (const entry of [entryOf('pool', d.pool), entryOf('route', d.route)])
        entry.buckets.set(bucket.le, (entry.buckets.get(bucket.le) ?? 0) + delta);
    }
  }
  return [...totals.entries()]
    .filter(([, entry]) => entry.requests > 0)
    .map(([key, entry]) => {
      const [scope, name] = key.split('\u0000') as ['pool' | 'route', string];
      const buckets = [...entry.buckets.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([le, count]) => ({ le, count }));
      return {
        scope,
        name,
        startMs,
        requests: entry.requests,
        errors: entry.errors,
        p50Ms: quantileMs(buckets, 0.5),
        p95Ms: quantileMs(buckets, 0.95),
        p99Ms: quantileMs(buckets, 0.99),
      };
    });
}

/** Reads the gateway's counters and stores the traffic since the previous reading. */
export class TrafficRecorder {
  readonly #store: Pick<TrafficStore, 'appendTraffic'>;
  readonly #read: () => Promise<TrafficReading>;
  #last: { readonly reading: TrafficReading; readonly atMs: number } | undefined;

  constructor(store: Pick<TrafficStore, 'appendTraffic'>, read: () => Promise<TrafficReading>) {
    this.#store = store;
    this.#read = read;
  }

  /** The first call only takes a reading; each later one stores the rows since the one before. */
  async record(nowMs: number): Promise<void> {
    const reading = await this.#read();
    const previous = this.#last;
    this.#last = { reading, atMs: nowMs };
    if (previous) await this.#store.appendTraffic(trafficBetween(previous.reading, reading, previous.atMs));
  }
}

function increase(before: number, after: number): number {
  return after >= before ? after - before : after;
}

/**
 * A quantile from cumulative histogram buckets, interpolated linearly inside its bucket (Prometheus'
 * histogram_quantile); the +Inf bucket answers with the largest finite bound.
 */
export function quantileMs(
  buckets: readonly { readonly le: number; readonly count: number }[],
  q: number,
): number | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lowerLe * 1_000;
      const inBucket = count - lowerCount;
      const fraction = inBucket === 0 ? 0 : (rank - lowerCount) / inBucket;
      return (lowerLe + (le - lowerLe) * fraction) * 1_000;
    }
    lowerLe = le;
    lowerCount = count;
  }
  return lowerLe * 1_000;
}
