import type { BucketRequest, RateDecision, RateLimitStore } from '../../gateway/overload/rate-limit-store.ts';

/** A decision slower than this means the primary is stuck; the request then goes on (fail open). */
const answerTimeoutMs = 1_000;

/**
 * A cluster worker's rate-limit store: the buckets live in the primary, so N workers enforce the configured
 * rate, not N× it. Each rate-limited request costs one IPC round trip to the primary.
 */
export class RemoteRateLimitStore implements RateLimitStore {
  readonly #send: (id: number, requests: readonly BucketRequest[]) => void;
  readonly #pending = new Map<number, { resolve: (d: RateDecision) => void; timer: NodeJS.Timeout }>();
  #nextId = 1;

  constructor(send: (id: number, requests: readonly BucketRequest[]) => void) {
    this.#send = send;
  }

  take(requests: readonly BucketRequest[]): Promise<RateDecision> {
    const id = this.#nextId++;
    return new Promise<RateDecision>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`the primary did not decide a rate limit within ${answerTimeoutMs} ms`));
      }, answerTimeoutMs);
      this.#pending.set(id, { resolve, timer });
      this.#send(id, requests);
    });
  }

  /** The primary's answer to request `id`. */
  settle(id: number, decision: RateDecision): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(decision);
  }
}
