import type { UpstreamThrottleSpec } from '../spec.ts';

const slotCount = 60;

/**
 * Google SRE client-side adaptive throttling for one pool: when upstreams keep refusing (429/503) or failing
 * to answer, reject locally with P = max(0, (requests − k·accepts) / (requests + 1)) over the last window.
 * Requests count when their outcome is known (answered, failed or timed out), and those rejected here when
 * rejected, so the ratio keeps tracking the upstream; accepts count only real answers. Counters live in 60 slots of window/60 each, so memory is fixed.
 */
export class UpstreamThrottle {
  readonly #k: number;
  readonly #slotMs: number;
  readonly #requests = new Float64Array(slotCount);
  readonly #accepts = new Float64Array(slotCount);
  #slot = 0;
  #slotStartMs: number;
  #requestsTotal = 0;
  #acceptsTotal = 0;

  constructor(spec: UpstreamThrottleSpec, nowMs: number) {
    this.#k = spec.k;
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
