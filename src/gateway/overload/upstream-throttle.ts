import type { Outcome } from '../../core/outcome.ts';
import type { UpstreamThrottleSpec } from '../spec.ts';

const slotCount = 60;

/**
 * Google SRE client-side adaptive throttling for one pool: when upstreams keep refusing (the pool's
 * `overload_statuses`) or failing to answer, reject locally with P = max(0, (requests − k·accepts) /
 * (requests + 1)) over the last window. Requests count when their outcome is known (answered, failed or timed
 * out), and those rejected here when rejected, so the ratio keeps tracking the upstream; accepts count only
 * real answers. Counters live in 60 slots of window/60 each, so memory is fixed.
 */
export class UpstreamThrottle {
  readonly #k: number;
  /** Answers that are the upstream refusing as a whole; any other answer was accepted work. */
  readonly #overloadStatuses: readonly number[];
  readonly #slotMs: number;
  readonly #requests = new Float64Array(slotCount);
  readonly #accepts = new Float64Array(slotCount);
  #slot = 0;
  #slotStartMs: number;
  #requestsTotal = 0;
  #acceptsTotal = 0;
  /** The latest moment a counted refusal's Retry-After (capped by the pool) asked clients to stay away until. */
  #retryAfterUntilMs = 0;

  constructor(spec: UpstreamThrottleSpec, nowMs: number, overloadStatuses: readonly number[] = [429, 503]) {
    this.#k = spec.k;
    this.#overloadStatuses = overloadStatuses;
    this.#slotMs = spec.windowMs / slotCount;
    this.#slotStartMs = nowMs;
  }

  recordRequest(nowMs: number): void {
    this.#advance(nowMs);
    this.#requests[this.#slot]! += 1;
    this.#requestsTotal += 1;
  }

  recordAccept(nowMs: number): void {
    this.#advance(nowMs);
    this.#accepts[this.#slot]! += 1;
    this.#acceptsTotal += 1;
  }

  /**
   * One attempt's outcome, once known. A 429 that is one client's quota (not in `overload_statuses`) is work
   * the upstream accepted: counted as a refusal, one tenant's quota throttled every other tenant.
   */
  recordOutcome(outcome: Outcome, nowMs: number): void {
    // A request refused locally (its endpoint's connections all busy) never reached the upstream.
    if (outcome.kind === 'rejected') return;
    this.recordRequest(nowMs);
    if (this.#isAccepted(outcome)) this.recordAccept(nowMs);
  }

  #isAccepted(outcome: Outcome): boolean {
    if (outcome.kind === 'success') return !this.#overloadStatuses.includes(outcome.status);
    return (
      outcome.kind === 'failure' &&
      outcome.reason === 'status' &&
      !this.#overloadStatuses.includes(outcome.status ?? 0)
    );
  }

  /**
   * A refusal counted here came with Retry-After, as the pool capped it (max_cool_down): the throttle's own
   * 503s pass the latest one on, so a client backs off as long as the upstream asked rather than 1 s.
   */
  recordRetryAfter(untilMs: number): void {
    this.#retryAfterUntilMs = Math.max(this.#retryAfterUntilMs, untilMs);
  }

  /** The Retry-After, in whole seconds, of a request refused here now: 1 when no refusal asked for longer. */
  retryAfterS(nowMs: number): number {
    return Math.max(1, Math.ceil((this.#retryAfterUntilMs - nowMs) / 1_000));
  }

  rejectProbability(nowMs: number): number {
    this.#advance(nowMs);
    return Math.max(0, (this.#requestsTotal - this.#k * this.#acceptsTotal) / (this.#requestsTotal + 1));
  }

  /** Moves to the slot holding `nowMs`, emptying the slots it passes: they fell out of the window. */
  #advance(nowMs: number): void {
    const steps = Math.floor((nowMs - this.#slotStartMs) / this.#slotMs);
    if (steps <= 0) return;
    for (let i = 0; i < Math.min(steps, slotCount); i++) {
      this.#slot = (this.#slot + 1) % slotCount;
      this.#requestsTotal -= this.#requests[this.#slot]!;
      this.#acceptsTotal -= this.#accepts[this.#slot]!;
      this.#requests[this.#slot] = 0;
      this.#accepts[this.#slot] = 0;
    }
    this.#slotStartMs += steps * this.#slotMs;
  }
}
