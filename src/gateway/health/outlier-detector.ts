import { channel } from 'node:diagnostics_channel';
import {
  channelNames,
  isUpstreamFailure,
  type Clock,
  type EjectionEvent,
  type Outcome,
} from '../../core/index.ts';
import { isLastInRotation, type Endpoint } from '../endpoint.ts';
import type { OutlierDetectionSpec } from '../spec.ts';

export interface OutlierDetectorDeps {
  readonly clock: Clock;
  /** An endpoint was ejected or returned. */
  readonly onChange?: (() => void) | undefined;
  /**
   * The pool has a failover pool: then every endpoint may be ejected, so that passive detection alone can
   * fail a dead pool over. The guards keep a pool from ejecting itself into overload or emptiness, and a pool
   * that ejects below its panic threshold hands its traffic to the failover pool instead.
   */
  readonly mayEjectAll?: boolean | undefined;
}

interface OutlierState {
  consecutiveFailures: number;
  /** Envoy's ejection multiplier k as of `multiplierStampMs`; it decays by one per interval while not ejected. */
  multiplier: number;
  multiplierStampMs: number;
  totalEjections: number;
  cancelReturn: (() => void) | undefined;
}

const ejectionChannel = channel(channelNames.ejection);

/**
 * Envoy passive outlier detection (consecutive upstream failures). An ejection lasts base × k, with k
 * this endpoint's recent ejections, capped at max; k decays by one per `intervalMs` outside ejection,
 * computed lazily when next needed rather than by a sweep timer (same result, no idle timers).
 * Ejections never exceed floor(maxEjectedFraction × pool size) — strict, as Envoy since envoy#27909 —
 * and never take the last endpoint still in rotation (ready: healthy, not ejected, cooling or draining):
 * a one-endpoint pool only detects and reports refusals. A pool with a failover pool has neither guard.
 */
export class OutlierDetector {
  readonly #poolName: string;
  readonly #spec: OutlierDetectionSpec;
  readonly #deps: OutlierDetectorDeps;
  readonly #states: Map<Endpoint, OutlierState>;
  readonly #maxMultiplier: number;
  #ejectedCount = 0;
  #refusedEjections = 0;
  #isStopped = false;

  constructor(
    poolName: string,
    endpoints: readonly Endpoint[],
    spec: OutlierDetectionSpec,
    deps: OutlierDetectorDeps,
  ) {
    this.#poolName = poolName;
    this.#spec = spec;
    this.#deps = deps;
    this.#states = new Map(endpoints.map((endpoint) => [endpoint, newState(deps.clock.nowMs())]));
    // k stops growing once base × k reaches max, so decay back to base takes ≈ max/base intervals (Envoy).
    this.#maxMultiplier = Math.max(1, Math.ceil(spec.maxEjectionMs / Math.max(1, spec.baseEjectionMs)));
  }

  /** Ejections refused by the max-ejected-fraction guard since start. */
  get refusedEjections(): number {
    return this.#refusedEjections;
  }

  /** How many times this endpoint has been ejected since start (PoolStatus.ejections). */
  ejectionsOf(endpoint: Endpoint): number {
    return this.#states.get(endpoint)?.totalEjections ?? 0;
  }

  /** The multiplier the next ejection would start from, after decay. */
  multiplierOf(endpoint: Endpoint): number {
    const state = this.#states.get(endpoint);
    return state ? this.#decayedMultiplier(endpoint, state) : 0;
  }

  recordOutcome(endpoint: Endpoint, outcome: Outcome): void {
    const state = this.#states.get(endpoint);
    // Local rejections never reached the upstream; outcomes of an ejected endpoint (panic traffic,
    // requests in flight at ejection) must not stack a second ejection.
    if (!state || this.#isStopped || outcome.kind === 'rejected' || endpoint.isEjected) return;
    if (!isUpstreamFailure(outcome)) {
      state.consecutiveFailures = 0;
      return;
    }
    state.consecutiveFailures += 1;
    if (state.consecutiveFailures < this.#spec.consecutiveFailures) return;
    // Reset either way, so a refused ejection is retried (and reported) once per run, not per request.
    state.consecutiveFailures = 0;
    this.#tryEject(endpoint, state, `${this.#spec.consecutiveFailures} consecutive upstream failures`);
  }

  /**
   * After a reload, `endpoint` takes over the outlier history of `previous` in the detector it replaces, and
   * stays out for what is left of an ejection under way. Called before `from` stops.
   */
  continueFrom(endpoint: Endpoint, from: OutlierDetector, previous: Endpoint): void {
    const state = this.#states.get(endpoint);
    const before = from.#states.get(previous);
    if (!state || !before) return;
    state.consecutiveFailures = before.consecutiveFailures;
    state.multiplier = before.multiplier;
    state.multiplierStampMs = before.multiplierStampMs;
    state.totalEjections = before.totalEjections;
    const remainingMs = previous.ejectedUntilMs - this.#deps.clock.nowMs();
    if (!previous.isEjected || remainingMs <= 0 || endpoint.isEjected) return;
    this.#ejectedCount += 1;
    endpoint.ejectedUntilMs = previous.ejectedUntilMs;
    state.cancelReturn = this.#deps.clock.setTimer(remainingMs, () =>
      this.#return(endpoint, state, 'ejection time elapsed'),
    );
  }

  /** Returns an ejected endpoint early, e.g. after a passing active health check. No-op otherwise. */
  uneject(endpoint: Endpoint, reason = 'active health check passed'): void {
    const state = this.#states.get(endpoint);
    if (state && endpoint.isEjected) this.#return(endpoint, state, reason);
  }

  /** Cancels return timers; ejected endpoints stay marked, since the graph is being discarded. */
  stop(): void {
    this.#isStopped = true;
    for (const state of this.#states.values()) {
      state.cancelReturn?.();
      state.cancelReturn = undefined;
    }
  }

  #tryEject(endpoint: Endpoint, state: OutlierState, cause: string): void {
    const poolSize = this.#states.size;
    const allowedByFraction = Math.floor(this.#spec.maxEjectedFraction * poolSize);
    const rule = this.#deps.mayEjectAll
      ? undefined
      : this.#ejectedCount + 1 > allowedByFraction
        ? `max ejected fraction ${this.#spec.maxEjectedFraction} allows ${allowedByFraction} of ${poolSize}`
        : isLastInRotation(endpoint, this.#states.keys())
          ? 'the last endpoint in rotation is never ejected'
          : undefined;
    if (rule) {
      this.#refusedEjections += 1;
      this.#publish(
        endpoint,
        false,
        0,
        `refused: ${cause}; ${this.#ejectedCount} already ejected, ${rule}`,
        true,
      );
      return;
    }
    const nowMs = this.#deps.clock.nowMs();
    const multiplier = Math.min(this.#decayedMultiplier(endpoint, state) + 1, this.#maxMultiplier);
    const durationMs = Math.min(this.#spec.baseEjectionMs * multiplier, this.#spec.maxEjectionMs);
    state.multiplier = multiplier;
    state.multiplierStampMs = nowMs;
    state.totalEjections += 1;
    this.#ejectedCount += 1;
    // ejectedUntilMs > 0 is what marks an endpoint ejected, even on a clock that reads 0.
    endpoint.ejectedUntilMs = Math.max(1, nowMs + durationMs);
    state.cancelReturn = this.#deps.clock.setTimer(durationMs, () =>
      this.#return(endpoint, state, 'ejection time elapsed'),
    );
    this.#publish(endpoint, true, durationMs, cause);
    this.#deps.onChange?.();
  }

  #return(endpoint: Endpoint, state: OutlierState, reason: string): void {
    state.cancelReturn?.();
    state.cancelReturn = undefined;
    state.consecutiveFailures = 0;
    // Decay of k counts from the moment the endpoint is back in (Envoy: only while not ejected).
    state.multiplierStampMs = this.#deps.clock.nowMs();
    endpoint.ejectedUntilMs = 0;
    this.#ejectedCount -= 1;
    this.#publish(endpoint, false, 0, reason);
    this.#deps.onChange?.();
  }

  #decayedMultiplier(endpoint: Endpoint, state: OutlierState): number {
    if (endpoint.isEjected) return state.multiplier;
    const intervals = Math.floor(
      (this.#deps.clock.nowMs() - state.multiplierStampMs) / Math.max(1, this.#spec.intervalMs),
    );
    return Math.max(0, state.multiplier - intervals);
  }

  #publish(
    endpoint: Endpoint,
    isEjected: boolean,
    durationMs: number,
    reason: string,
    isRefused = false,
  ): void {
    if (!ejectionChannel.hasSubscribers) return;
    const event: EjectionEvent = {
      pool: this.#poolName,
      endpoint: endpoint.id,
      isEjected,
      isRefused,
      durationMs,
      reason,
    };
    ejectionChannel.publish(event);
  }
}

function newState(nowMs: number): OutlierState {
  return {
    consecutiveFailures: 0,
    multiplier: 0,
    multiplierStampMs: nowMs,
    totalEjections: 0,
    cancelReturn: undefined,
  };
}
