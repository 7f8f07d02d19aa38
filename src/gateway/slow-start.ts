/** Envoy's `min_weight_percent` default: a ramping endpoint never drops below a tenth of its weight. */
export const slowStartMinWeightFraction = 0.1;
/** Envoy's `aggression` default: 1 ramps linearly; above 1 the weight climbs faster early on. */
export const slowStartAggression = 1;

/**
 * The share of its weight an endpoint gets `elapsedMs` into a slow-start window (Envoy):
 * max(minWeightPercent, timeFactor^(1/aggression)), timeFactor = elapsed / window. 1 once the window has
 * passed, or when there is no window.
 */
export function slowStartFactor(elapsedMs: number, windowMs: number): number {
  if (windowMs <= 0 || elapsedMs >= windowMs) return 1;
  const timeFactor = Math.max(0, elapsedMs) / windowMs;
  return Math.max(slowStartMinWeightFraction, timeFactor ** (1 / slowStartAggression));
}

/**
 * One endpoint's ramp: when it (re-)entered rotation and over how long. Kept on the endpoint so a
 * balancer reads its effective weight without asking the pool; the pool decides when a ramp begins.
 */
export class SlowStartRamp {
  #startMs = 0;
  #windowMs = 0;

  /** Restarts the ramp at `nowMs`; a window of 0 leaves the endpoint at full weight. */
  begin(nowMs: number, windowMs: number): void {
    this.#startMs = nowMs;
    this.#windowMs = windowMs;
  }

  /**
   * Continues another ramp still under way (an endpoint carried over by a reload keeps its place in the
   * window, now `windowMs` long). A finished ramp is not copied: a longer new window must not restart it.
   */
  continueFrom(other: SlowStartRamp, nowMs: number, windowMs: number): void {
    if (other.remainingMs(nowMs) === 0) return;
    this.#startMs = other.#startMs;
    this.#windowMs = windowMs;
  }

  factor(nowMs: number): number {
    // The common case, no ramp at all, costs one comparison on the request path.
    if (this.#windowMs === 0) return 1;
    return slowStartFactor(nowMs - this.#startMs, this.#windowMs);
  }

  remainingMs(nowMs: number): number {
    if (this.#windowMs === 0) return 0;
    return Math.max(0, this.#startMs + this.#windowMs - nowMs);
  }
}
