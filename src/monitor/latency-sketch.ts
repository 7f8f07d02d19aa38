// DDSketch (Masson, Rim, Lee, VLDB 2019): log-spaced buckets give every quantile a bounded relative error,
// and two sketches merge exactly by adding bucket counts, so minutes add up to hours and days losslessly.
const relativeAccuracy = 0.02;
const gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
const logGamma = Math.log(gamma);
// Below 0.1 ms goes to the zero bucket (reported as 0); above 10 min is clamped into the top bucket.
const minTrackedMs = 0.1;
const maxTrackedMs = 600_000;
const maxKey = Math.ceil(Math.log(maxTrackedMs / minTrackedMs) / logGamma);
// Byte 0 of the serialized form; it pins the constants above. Changing any of them needs a new version.
const formatVersion = 1;

/**
 * A mergeable latency distribution: `quantile(q)` is within 2% of the true value for recorded values
 * between 0.1 ms and 10 min. Bucket k holds (0.1·γ^(k-1), 0.1·γ^k] ms, γ = 1.02/0.98; about 390 buckets.
 */
export class LatencySketch {
  static readonly relativeAccuracy = relativeAccuracy;
  static readonly minTrackedMs = minTrackedMs;
  static readonly maxTrackedMs = maxTrackedMs;

  readonly #buckets = new Map<number, number>();
  #zeroCount = 0;
  #count = 0;

  get count(): number {
    return this.#count;
  }

  add(ms: number): this {
    if (!(ms >= 0) || !Number.isFinite(ms))
      throw new RangeError(`latency must be a finite ms >= 0, got ${ms}`);
    if (ms < minTrackedMs) this.#zeroCount += 1;
    else {
      const key = Math.min(maxKey, Math.ceil(Math.log(ms / minTrackedMs) / logGamma));
      this.#buckets.set(key, (this.#buckets.get(key) ?? 0) + 1);
    }
    this.#count += 1;
    return this;
  }

  /** Adds `other`'s counts into this sketch: the result is the sketch of both inputs together. */
  merge(other: LatencySketch): this {
    for (const [key, count] of other.#buckets) this.#buckets.set(key, (this.#buckets.get(key) ?? 0) + count);
    this.#zeroCount += other.#zeroCount;
    this.#count += other.#count;
    return this;
  }

  /** The value at rank ⌊q·(count−1)⌋ in sorted order, within the relative accuracy; undefined when empty. */
  quantile(q: number): number | undefined {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
    if (this.#count === 0) return undefined;
    const rank = Math.floor(q * (this.#count - 1));
    let seen = this.#zeroCount;
    if (rank < seen) return 0;
    for (const key of this.#sortedKeys()) {
      seen += this.#buckets.get(key) ?? 0;
      // The bucket's midpoint in relative terms: at most `relativeAccuracy` from either edge.
      if (rank < seen) return (minTrackedMs * gamma ** key * 2) / (gamma + 1);
    }
    return undefined;
  }

  /** Version byte, zero count, bucket count, then (key delta, count) pairs, all as unsigned varints. */
  toBytes(): Uint8Array {
    const bytes: number[] = [formatVersion];
    writeVarint(bytes, this.#zeroCount);
    writeVarint(bytes, this.#buckets.size);
    let previousKey = 0;
    for (const key of this.#sortedKeys()) {
      writeVarint(bytes, key - previousKey);
      writeVarint(bytes, this.#buckets.get(key) ?? 0);
      previousKey = key;
    }
    return Uint8Array.from(bytes);
  }

  static fromBytes(bytes: Uint8Array): LatencySketch {
    if (bytes[0] !== formatVersion) throw new RangeError(`unknown latency sketch format ${bytes[0]}`);
    const reader = { bytes, offset: 1 };
    const sketch = new LatencySketch();
    sketch.#zeroCount = readVarint(reader);
    sketch.#count = sketch.#zeroCount;
    const bucketCount = readVarint(reader);
    let key = 0;
    for (let i = 0; i < bucketCount; i++) {
      const delta = readVarint(reader);
      key += delta;
      const count = readVarint(reader);
      if (key > maxKey || (i > 0 && delta === 0))
        throw new RangeError('corrupt latency sketch: bucket out of order or range');
      sketch.#buckets.set(key, count);
      sketch.#count += count;
    }
    if (reader.offset !== bytes.length) throw new RangeError('corrupt latency sketch: trailing bytes');
    return sketch;
  }

  #sortedKeys(): number[] {
    return [...this.#buckets.keys()].sort((a, b) => a - b);
  }
}

// Arithmetic rather than bit operations: counts may exceed 2^31.
function writeVarint(bytes: number[], value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) + 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
}

function readVarint(reader: { readonly bytes: Uint8Array; offset: number }): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = reader.bytes[reader.offset++];
    if (byte === undefined || scale > 2 ** 49) throw new RangeError('corrupt latency sketch: truncated');
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 0x80;
  }
}
