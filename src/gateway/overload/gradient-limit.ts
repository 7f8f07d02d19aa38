import type { AdaptiveConcurrencySpec } from '../spec.ts';

// Envoy's gradient bounds: one window can at most halve or double the limit (before headroom).
const minGradient = 0.5;
const maxGradient = 2;
// Envoy re-measures min RTT early once the limit has stayed at the minimum for this many windows:
// a min RTT measured too low (a cache-hot burst, say) would otherwise pin the limit there for good.
const minLimitWindowsBeforeRemeasure = 5;
// Envoy's min_rtt_calc_params.jitter default; spreads re-measurements of many gateways apart.
const minRttJitterFraction = 0.15;
// Beyond this many latencies a window keeps a uniform reservoir sample, so memory stays bounded at any
// request rate while the median stays unbiased (keeping the first N would favour the window's start).
const maxWindowSamples = 4096;

/**
 * Envoy's adaptive-concurrency gradient controller, driven by the callers' clock: nothing runs between
 * samples, so a phase change (new window, min-RTT measurement) takes effect at the sample that observes it.
 *
 * Every `sampleIntervalMs` (at least 4 × min RTT) the window's median latency (Envoy's default p50 aggregate) is compared with
 * the min RTT: gradient = minRtt × (1 + buffer) / sampleRtt in [0.5, 2], and
 * limit = gradient × limit + √(gradient × limit), Envoy's headroom. Min RTT is the median of
 * `minRttSamples` latencies taken with the limit pinned to `minLimit`, at start and every
 * `minRttIntervalMs` ± 15 %.
 */
export class GradientLimit {
  readonly #spec: AdaptiveConcurrencySpec;
  readonly #random: () => number;
  #limit: number;
  // The limit to restore when a min-RTT measurement ends.
  #deferredLimit: number;
  #minRttMs: number | undefined;
  #samples = 0;
  #isMeasuring = false;
  // Requests admitted before the last measurement began ran under the old limit; Envoy drops their
  // latencies, or a queue built under the old limit would inflate min RTT and ratchet the limit up.
  #epochMs: number;
  #nextMeasurementAtMs = Number.POSITIVE_INFINITY;
  #windowStartMs: number;
  readonly #window: number[] = [];
  // Latencies offered to the current window or measurement, kept or not (the reservoir's denominator).
  #windowSeen = 0;
  #windowsAtMinLimit = 0;
  /** The most requests in flight at any sample of the window: the limit grows only if it was used. */
  #windowMaxInFlight = 0;

  constructor(
    spec: AdaptiveConcurrencySpec,
    deps: { readonly random: () => number; readonly nowMs: number },
  ) {
    this.#spec = spec;
    this.#random = deps.random;
    this.#limit = this.#clamp(spec.initialLimit);
    this.#deferredLimit = this.#limit;
    this.#epochMs = deps.nowMs;
    this.#windowStartMs = deps.nowMs;
    this.#startMeasurement(deps.nowMs);
  }

  /** The concurrency limit in force now (an integer ≥ 1). While min RTT is being measured it is spec.minLimit. */
  get limit(): number {
    return this.#limit;
  }

  /** The last measured min RTT in ms; undefined before the first measurement completes. */
  get minRttMs(): number | undefined {
    return this.#minRttMs;
  }

  /** Latency samples received in total (a counter for metrics). */
  get samples(): number {
    return this.#samples;
  }

  get isMeasuringMinRtt(): boolean {
    return this.#isMeasuring;
  }

  /**
   * One request's latency (admission → upstream response headers) observed at nowMs, with the requests in
   * flight at that moment (the gate's count) when known.
   */
  addSample(latencyMs: number, nowMs: number, inFlight = Number.POSITIVE_INFINITY): void {
    this.#samples += 1;
    this.#windowMaxInFlight = Math.max(this.#windowMaxInFlight, inFlight);
    this.#advance(nowMs);
    // A clock stepped backwards can yield a negative latency; it says nothing about the upstream.
    if (!(latencyMs >= 0) || nowMs - latencyMs < this.#epochMs) return;
    this.#keep(latencyMs);
    if (this.#isMeasuring && this.#windowSeen >= this.#spec.minRttSamples) this.#finishMeasurement(nowMs);
  }

  // Plays the timers Envoy would have fired since the last sample, in their order.
  #advance(nowMs: number): void {
    if (this.#isMeasuring) return; // Envoy's window timer idles until the measurement has its samples
    const intervalMs = this.#windowMs();
    const windowEndMs = this.#windowStartMs + intervalMs;
    if (nowMs >= windowEndMs && windowEndMs <= this.#nextMeasurementAtMs) {
      this.#closeWindow();
      // Later whole intervals had no samples; Envoy skips empty windows without touching the limit.
      const intervals = Math.floor((nowMs - this.#windowStartMs) / intervalMs);
      this.#windowStartMs += intervals * intervalMs;
    }
    if (!this.#isMeasuring && nowMs >= this.#nextMeasurementAtMs) this.#startMeasurement(nowMs);
  }

  /**
   * A window must span a few request latencies, or its median swings with whichever requests happened to
   * finish inside it (the limit oscillated between 3 and 92 with 100 ms windows over a 100 ms upstream).
   * Envoy leaves this to the operator; slow upstreams such as LLMs get it without tuning here.
   */
  #windowMs(): number {
    return Math.max(this.#spec.sampleIntervalMs, 4 * (this.#minRttMs ?? 0));
  }

  #closeWindow(): void {
    if (this.#window.length === 0) return;
    const sampleRttMs = median(this.#window);
    // Netflix's app-limited rule, which Envoy lacks: a light load says nothing about a higher limit, yet
    // the gradient (latency near min RTT) would raise it every window, to the maximum. The next overload
    // would then meet max_limit and flood the upstream for the windows it takes to halve back down
    // (measured: 1,000 admitted at once, 224 queued upstream, p99 306 ms). Growth needs a half-used limit.
    const isAppLimited = this.#windowMaxInFlight < this.#limit / 2;
    this.#clearWindow();
    const next = this.#nextLimit(sampleRttMs, this.#minRttMs ?? sampleRttMs);
    this.#setLimit(isAppLimited ? Math.min(next, this.#limit) : next);
    if (this.#windowsAtMinLimit >= minLimitWindowsBeforeRemeasure) this.#nextMeasurementAtMs = 0;
  }

  #nextLimit(sampleRttMs: number, minRttMs: number): number {
    const bufferedMinRttMs = minRttMs * (1 + this.#spec.buffer);
    // A zero-latency window cannot be slower than min RTT: treat it as the fastest possible.
    const rawGradient = sampleRttMs > 0 ? bufferedMinRttMs / sampleRttMs : maxGradient;
    const gradient = Math.min(maxGradient, Math.max(minGradient, rawGradient));
    const scaled = gradient * this.#limit;
    return this.#clamp(scaled + Math.sqrt(scaled));
  }

  // Envoy's updateConcurrencyLimit: counts windows that leave the limit at the minimum.
  #setLimit(limit: number): void {
    const stayedAtMin = limit === this.#spec.minLimit && this.#limit === this.#spec.minLimit;
    this.#windowsAtMinLimit = stayedAtMin && !this.#isMeasuring ? this.#windowsAtMinLimit + 1 : 0;
    this.#limit = limit;
  }

  #startMeasurement(nowMs: number): void {
    this.#deferredLimit = this.#limit;
    this.#isMeasuring = true;
    this.#setLimit(this.#clamp(this.#spec.minLimit));
    this.#clearWindow();
    this.#epochMs = nowMs;
    this.#nextMeasurementAtMs = Number.POSITIVE_INFINITY;
  }

  #finishMeasurement(nowMs: number): void {
    this.#minRttMs = median(this.#window);
    this.#clearWindow();
    this.#setLimit(this.#deferredLimit);
    this.#isMeasuring = false;
    const jitter = minRttJitterFraction * (2 * this.#random() - 1);
    this.#nextMeasurementAtMs = nowMs + this.#spec.minRttIntervalMs * (1 + jitter);
    this.#windowStartMs = nowMs;
  }

  // Algorithm R: once full, the i-th latency replaces a random slot with probability cap / i.
  #keep(latencyMs: number): void {
    this.#windowSeen += 1;
    if (this.#window.length < maxWindowSamples) {
      this.#window.push(latencyMs);
      return;
    }
    const slot = Math.floor(this.#random() * this.#windowSeen);
    if (slot < maxWindowSamples) this.#window[slot] = latencyMs;
  }

  #clearWindow(): void {
    this.#window.length = 0;
    this.#windowSeen = 0;
    this.#windowMaxInFlight = 0;
  }

  #clamp(limit: number): number {
    return Math.max(1, this.#spec.minLimit, Math.min(this.#spec.maxLimit, Math.floor(limit)));
  }
}

// The mean of the two middle values when the count is even; `values` must not be empty.
function median(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
