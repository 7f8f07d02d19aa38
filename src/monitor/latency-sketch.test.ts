import { describe, expect, it } from 'vitest';
import { LatencySketch } from './latency-sketch.ts';

const quantiles = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

// A seeded generator (mulberry32), so a failure reproduces.
function randomOf(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

function sketchOf(values: readonly number[]): LatencySketch {
  const sketch = new LatencySketch();
  for (const value of values) sketch.add(value);
  return sketch;
}

const random = randomOf(42);
const distributions: Record<string, () => number> = {
  'uniform 1–1000 ms': () => 1 + random() * 999,
  // Box–Muller: a log-normal around 80 ms, the usual shape of HTTP latencies.
  'log-normal (median 80 ms)': () =>
    80 * Math.exp(0.6 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())),
  'exponential (mean 50 ms)': () => 0.1 - 50 * Math.log(1 - random()),
  'bimodal 2 ms / 3 s (timeouts)': () => (random() < 0.9 ? 2 + random() : 2_900 + random() * 200),
  'wide 0.1 ms – 10 min': () => 0.1 * 6_000_000 ** random(),
};

describe('LatencySketch', () => {
  for (const [name, draw] of Object.entries(distributions)) {
    it(`gives quantiles of a ${name} distribution within the relative accuracy`, () => {
      const values = Array.from({ length: 20_000 }, draw);
      const sketch = sketchOf(values);
      const sorted = [...values].sort((a, b) => a - b);
      expect(sketch.count).toBe(values.length);
      for (const q of quantiles) {
        const exact = exactQuantile(sorted, q);
        const estimate = sketch.quantile(q)!;
        expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(
          LatencySketch.relativeAccuracy + 1e-12,
        );
      }
    });
  }

  it('reports values below 0.1 ms as 0 and clamps values above 10 min to about 10 min', () => {
    const sketch = sketchOf([0, 0.05, 0.05, 5, 3_600_000]);
    expect(sketch.quantile(0)).toBe(0);
    expect(sketch.quantile(0.5)).toBe(0);
    expect(sketch.quantile(0.75)).toBeCloseTo(5, 0);
    expect(Math.abs(sketch.quantile(1)! - 600_000) / 600_000).toBeLessThanOrEqual(0.05);
  });

  it('has no quantile when empty, and rejects what is not a latency', () => {
    const sketch = new LatencySketch();
    expect(sketch.quantile(0.5)).toBeUndefined();
    expect(() => sketch.add(-1)).toThrow(RangeError);
    expect(() => sketch.add(Number.NaN)).toThrow(RangeError);
    expect(() => sketch.add(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => sketch.quantile(1.5)).toThrow(RangeError);
  });

  it('merges into exactly the sketch of the union', () => {
    const draw = distributions['log-normal (median 80 ms)']!;
    const a = Array.from({ length: 3_000 }, draw);
    const b = Array.from({ length: 500 }, draw).concat([0, 0.01, 700_000]);
    const merged = sketchOf(a).merge(sketchOf(b));
    const union = sketchOf([...a, ...b]);
    expect(merged.count).toBe(union.count);
    expect(merged.toBytes()).toEqual(union.toBytes());
    for (const q of quantiles) expect(merged.quantile(q)).toBe(union.quantile(q));
    expect(new LatencySketch().merge(new LatencySketch()).count).toBe(0);
  });

  it('round-trips through bytes, compactly', () => {
    const empty = new LatencySketch();
    expect(empty.toBytes()).toHaveLength(3);
    expect(LatencySketch.fromBytes(empty.toBytes()).count).toBe(0);

    const minute = sketchOf([42]);
    expect(minute.toBytes().length).toBeLessThanOrEqual(6);

    const draw = distributions['log-normal (median 80 ms)']!;
    const day = sketchOf(Array.from({ length: 1_440 }, draw).concat([0]));
    const bytes = day.toBytes();
    const back = LatencySketch.fromBytes(bytes);
    expect(back.toBytes()).toEqual(bytes);
    expect(back.count).toBe(day.count);
    for (const q of quantiles) expect(back.quantile(q)).toBe(day.quantile(q));
    expect(bytes.length).toBeLessThan(400);
  });

  it('keeps counts beyond 32 bits', () => {
    const big = sketchOf([10]);
    for (let i = 0; i < 33; i++) big.merge(LatencySketch.fromBytes(big.toBytes()));
    expect(big.count).toBe(2 ** 33);
    expect(LatencySketch.fromBytes(big.toBytes()).count).toBe(2 ** 33);
  });

  it('rejects bytes that are not a sketch', () => {
    expect(() => LatencySketch.fromBytes(Uint8Array.from([]))).toThrow(RangeError);
    expect(() => LatencySketch.fromBytes(Uint8Array.from([9, 0, 0]))).toThrow(RangeError);
    expect(() => LatencySketch.fromBytes(Uint8Array.from([1, 0, 2, 5]))).toThrow(RangeError);
    expect(() => LatencySketch.fromBytes(Uint8Array.from([1, 0, 2, 5, 1, 0, 1]))).toThrow(RangeError);
    expect(() => LatencySketch.fromBytes(Uint8Array.from([1, 0, 0, 7]))).toThrow(RangeError);
  });
});
