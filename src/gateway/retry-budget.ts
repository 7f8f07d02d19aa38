import type { Clock } from '../core/clock.ts';

const bucketCount = 10;

/**
 * Finagle's retry budget: every request deposits `ratio` of a retry, every retry withdraws one, and a
 * reserve of `minPerSecond × ttl` lets a quiet route still retry. Counts live in ten buckets covering
 * `ttlMs`, so the budget forgets old traffic the way Finagle's ttl does (defaults 20%, 10/s, 10 s).
 */
export class RetryBudget {
  readonly #clock: Clock;
  readonly #ratio: number;
  readonly #reserve: number;
  readonly #bucketMs: number;
  readonly #requests = new Float64Array(bucketCount);
  readonly #retries = new Float64Array(bucketCount);
  #bucketStartMs: number;
  #current = 0;

  constructor(clock: Clock, budget: { ratio: number; minPerSecond: number; ttlMs: number }) {
    this.#clock = clock;
    this.#ratio = budget.ratio;
    this.#reserve = (budget.minPerSecond * budget.ttlMs) / 1000;
    this.#bucketMs = budget.ttlMs / bucketCount;
    this.#bucketStartMs = clock.nowMs();
  }

  /** `nowMs`: the request's start on this budget's clock, which the caller has read already. */
  recordRequest(nowMs: number): void {
    this.#rotate(nowMs);
    this.#requests[this.#current]! += 1;
  }

  /** Withdraws one retry if the budget allows it; `nowMs` is when, as `refund` must be told. */
  tryRetry(nowMs = this.#clock.nowMs()): boolean {
    this.#rotate(nowMs);
    if (this.available() < 1) return false;
    this.#retries[this.#current]! += 1;
    return true;
  }

  /**
   * Gives back a retry withdrawn at `withdrawnMs` that never went out (no endpoint took it), to the bucket that
   * holds it: a budget counts retries made, not retries wanted. One the window already forgot needs nothing.
   */
  refund(withdrawnMs: number): void {
    this.#rotate(this.#clock.nowMs());
    const bucketsAgo =
      withdrawnMs >= this.#bucketStartMs
        ? 0
        : Math.ceil((this.#bucketStartMs - withdrawnMs) / this.#bucketMs);
    if (bucketsAgo >= bucketCount) return;
    const bucket = (this.#current - bucketsAgo + bucketCount) % bucketCount;
    if (this.#retries[bucket]! >= 1) this.#retries[bucket]! -= 1;
  }

  available(): number {
    this.#rotate(this.#clock.nowMs());
    let requests = 0;
    let retries = 0;
    for (let i = 0; i < bucketCount; i++) {
      requests += this.#requests[i]!;
      retries += this.#retries[i]!;
    }
    return this.#reserve + this.#ratio * requests - retries;
  }

  #rotate(nowMs: number): void {
    const elapsedBuckets = Math.floor((nowMs - this.#bucketStartMs) / this.#bucketMs);
    if (elapsedBuckets <= 0) return;
    for (let i = 0; i < Math.min(elapsedBuckets, bucketCount); i++) {
      this.#current = (this.#current + 1) % bucketCount;
      this.#requests[this.#current] = 0;
      this.#retries[this.#current] = 0;
    }
    this.#bucketStartMs += elapsedBuckets * this.#bucketMs;
  }
}
