/** A token bucket's shape: `burst` tokens, refilled at `ratePerSecond`. */
export interface BucketPolicy {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** What one bucket says about one request. Times are relative to the decision, in ms. */
export interface BucketVerdict {
  readonly isAllowed: boolean;
  /** Tokens left after this request (0 when refused). */
  readonly remaining: number;
  /** Until the bucket is full again. */
  readonly resetMs: number;
  /** Until full again if the token is not taken after all (another limit refused the request). */
  readonly untakenResetMs: number;
  /** Until one token is available; 0 when allowed. */
  readonly retryAfterMs: number;
  /** The key's state after the request, for `commit`. */
  readonly nextTatMs: number;
}

/**
 * Token buckets per key, as GCRA (the generic cell rate algorithm): one number per key, its theoretical
 * arrival time (TAT), instead of a token count and a timestamp. A request conforms when the TAT it would
 * leave is at most `burst` emission intervals ahead of now. Equivalent to a token bucket, exact on any clock.
 *
 * Memory stays bounded however many keys come and go: a key whose TAT has passed is a full bucket, the
 * same as an absent key. Keys live in two generations that rotate every full-refill time; a key not touched
 * for a whole generation is full by then, so dropping the older generation forgets nothing.
 */
export class KeyedTokenBuckets {
  #policy: BucketPolicy;
  #intervalMs = 0;
  #horizonMs = 0;
  #current = new Map<string, number>();
  #previous = new Map<string, number>();
  #rotatedAtMs: number;

  constructor(policy: BucketPolicy, nowMs: number) {
    this.#policy = policy;
    this.#setPolicy(policy);
    this.#rotatedAtMs = nowMs;
  }

  get policy(): BucketPolicy {
    return this.#policy;
  }

  /** A reload may change rate or burst: keys keep their TAT, which stays meaningful under any policy. */
  set policy(policy: BucketPolicy) {
    this.#policy = policy;
    this.#setPolicy(policy);
  }

  /** Keys held now: at most those touched within the last two full-refill times. */
  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  /** Judges a request against `key` without taking a token; `commit` takes it. */
  check(key: string, nowMs: number): BucketVerdict {
    this.#rotate(nowMs);
    const tatMs = Math.max(this.#current.get(key) ?? this.#previous.get(key) ?? nowMs, nowMs);
    const nextTatMs = tatMs + this.#intervalMs;
    const aheadMs = nextTatMs - nowMs;
    if (aheadMs <= this.#horizonMs + epsilonMs)
      return {
        isAllowed: true,
        remaining: Math.max(0, Math.floor((this.#horizonMs - aheadMs + epsilonMs) / this.#intervalMs)),
        resetMs: aheadMs,
        untakenResetMs: tatMs - nowMs,
        retryAfterMs: 0,
        nextTatMs,
      };
    return {
      isAllowed: false,
      remaining: 0,
      resetMs: tatMs - nowMs,
      untakenResetMs: tatMs - nowMs,
      retryAfterMs: aheadMs - this.#horizonMs,
      nextTatMs: tatMs,
    };
  }

  /** Takes the token `check` found: stores the TAT it computed. */
  commit(key: string, verdict: BucketVerdict): void {
    if (!verdict.isAllowed) return;
    this.#current.set(key, verdict.nextTatMs);
    // The older generation would otherwise shadow nothing but still hold the key until it rotates out.
    this.#previous.delete(key);
  }

  /** check + commit: one bucket alone. */
  take(key: string, nowMs: number): BucketVerdict {
    const verdict = this.check(key, nowMs);
    this.commit(key, verdict);
    return verdict;
  }

  #setPolicy(policy: BucketPolicy): void {
    if (!(policy.ratePerSecond > 0) || !(policy.burst >= 1))
      throw new RangeError(
        `a bucket needs rate > 0 and burst ≥ 1, got ${policy.ratePerSecond}/${policy.burst}`,
      );
    this.#intervalMs = 1_000 / policy.ratePerSecond;
    this.#horizonMs = this.#intervalMs * policy.burst;
  }

  #rotate(nowMs: number): void {
    const elapsedMs = nowMs - this.#rotatedAtMs;
    if (elapsedMs < this.#horizonMs) return;
    // Two generations passed with no access: everything held is full, so both go.
    this.#previous = elapsedMs >= 2 * this.#horizonMs ? new Map<string, number>() : this.#current;
    this.#current = new Map<string, number>();
    this.#rotatedAtMs = nowMs;
  }
}

/** Rates like 3/s make intervals of 333.33… ms; sums of them must not refuse a request by a rounding error. */
const epsilonMs = 1e-6;
