import { KeyedTokenBuckets, type BucketPolicy } from './token-buckets.ts';

/** One bucket a request must take a token from: which limit (`bucketId`), whose key, under what policy. */
export interface BucketRequest {
  readonly bucketId: string;
  readonly key: string;
  readonly policy: BucketPolicy;
}

export interface BucketState {
  readonly remaining: number;
  readonly resetMs: number;
}

export interface RateDecision {
  readonly isAllowed: boolean;
  /** One per requested bucket, in order. */
  readonly buckets: readonly BucketState[];
  /** When refused: until every refusing bucket has a token. */
  readonly retryAfterMs: number;
}

/**
 * Where token buckets live. In one process the gateway decides at once; with several workers the primary
 * holds the buckets (so the limit is the configured one, not N× it) and a worker asks it, asynchronously.
 */
export interface RateLimitStore {
  take(requests: readonly BucketRequest[], nowMs: number): RateDecision | Promise<RateDecision>;
}

/**
 * Buckets in this process. Every limit of a request is judged before any token is taken: a request refused
 * by one limit costs nothing from the others. Lives across reloads, so a reload does not refill anybody.
 */
export class LocalRateLimitStore implements RateLimitStore {
  readonly #limits = new Map<string, KeyedTokenBuckets>();

  take(requests: readonly BucketRequest[], nowMs: number): RateDecision {
    const verdicts = requests.map((request) => this.#bucketsFor(request, nowMs).check(request.key, nowMs));
    const isAllowed = verdicts.every((verdict) => verdict.isAllowed);
    if (isAllowed)
      requests.forEach((request, i) => this.#limits.get(request.bucketId)?.commit(request.key, verdicts[i]!));
    return {
      isAllowed,
      // Refused, nothing was taken: a bucket that would have allowed still holds the token it offered.
      buckets: verdicts.map((verdict) =>
        isAllowed
          ? { remaining: verdict.remaining, resetMs: verdict.resetMs }
          : { remaining: verdict.isAllowed ? verdict.remaining + 1 : 0, resetMs: verdict.untakenResetMs },
      ),
      retryAfterMs: Math.max(0, ...verdicts.map((verdict) => verdict.retryAfterMs)),
    };
  }

  /** Keys held across every limit, for the bounded-memory guarantee's tests and metrics. */
  get size(): number {
    let keys = 0;
    for (const buckets of this.#limits.values()) keys += buckets.size;
    return keys;
  }

  #bucketsFor(request: BucketRequest, nowMs: number): KeyedTokenBuckets {
    let buckets = this.#limits.get(request.bucketId);
    if (!buckets) {
      buckets = new KeyedTokenBuckets(request.policy, nowMs);
      this.#limits.set(request.bucketId, buckets);
    } else if (
      buckets.policy.ratePerSecond !== request.policy.ratePerSecond ||
      buckets.policy.burst !== request.policy.burst
    ) {
      buckets.policy = request.policy;
    }
    return buckets;
  }
}
