/** Reads what bench/monitors.ts needs from a Prometheus text exposition: one histogram and one gauge. */

export interface HistogramSnapshot {
  /** Cumulative counts by upper bound in seconds, ascending; the last bound is Infinity. */
  readonly buckets: readonly { readonly leS: number; readonly count: number }[];
  readonly sumS: number;
  readonly count: number;
}

export interface Quantile {
  /** Linear interpolation inside the bucket, as PromQL's histogram_quantile does. */
  readonly valueS: number;
  /** The bucket the quantile falls in: all the histogram can say for certain. */
  readonly lowerS: number;
  readonly upperS: number;
}

export function parseHistogram(text: string, name: string): HistogramSnapshot | undefined {
  const buckets: { leS: number; count: number }[] = [];
  let sumS = Number.NaN;
  let count = Number.NaN;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (rest.startsWith('_bucket{')) {
      const le = /le="([^"]+)"/.exec(rest)?.[1];
      if (le !== undefined) buckets.push({ leS: le === '+Inf' ? Infinity : Number(le), count: value });
    } else if (rest.startsWith('_sum')) sumS = value;
    else if (rest.startsWith('_count')) count = value;
  }
  if (buckets.length === 0) return undefined;
  buckets.sort((a, b) => a.leS - b.leS);
  return { buckets, sumS, count };
}

/** What was observed between two scrapes of the same histogram. */
export function histogramDelta(before: HistogramSnapshot, after: HistogramSnapshot): HistogramSnapshot {
  return {
    buckets: after.buckets.map((bucket) => ({
      leS: bucket.leS,
      count: bucket.count - (before.buckets.find((b) => b.leS === bucket.leS)?.count ?? 0),
    })),
    sumS: after.sumS - before.sumS,
    count: after.count - before.count,
  };
}

/** Undefined for an empty histogram; a quantile in the +Inf bucket reports the last finite bound as its value. */
export function histogramQuantile(histogram: HistogramSnapshot, q: number): Quantile | undefined {
  const total = histogram.buckets.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerS = 0;
  let countBelow = 0;
  for (const { leS, count } of histogram.buckets) {
    if (count >= rank) {
      if (leS === Infinity) return { valueS: lowerS, lowerS, upperS: Infinity };
      const share = count > countBelow ? (rank - countBelow) / (count - countBelow) : 0;
      return { valueS: lowerS + (leS - lowerS) * share, lowerS, upperS: leS };
    }
    lowerS = leS;
    countBelow = count;
  }
  return undefined;
}

/** The share of observations at or below a bucket bound: exact, no interpolation. */
export function fractionAtOrBelow(histogram: HistogramSnapshot, boundS: number): number | undefined {
  const total = histogram.buckets.at(-1)?.count ?? 0;
  const bucket = histogram.buckets.find((b) => b.leS === boundS);
  return total > 0 && bucket ? bucket.count / total : undefined;
}

/** How many series of a gauge there are, and how many have the given value. */
export function countGauge(text: string, name: string, value: number): { series: number; matching: number } {
  let series = 0;
  let matching = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    series++;
    if (Number(line.slice(line.lastIndexOf(' ') + 1)) === value) matching++;
  }
  return { series, matching };
}
