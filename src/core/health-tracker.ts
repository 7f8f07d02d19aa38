/** 'unknown' means no verdict yet: a synthetic monitor that has not run, honestly shown as no data. */
export type HealthState = 'unknown' | 'healthy' | 'unhealthy';

export interface HealthThresholds {
  /** Consecutive failures that take a healthy target down (HAProxy `fall`, Envoy `unhealthy_threshold`). */
  readonly unhealthyThreshold: number;
  /** Consecutive successes that bring an unhealthy target up (HAProxy `rise`, Envoy `healthy_threshold`). */
  readonly healthyThreshold: number;
}

export interface HealthTrackerOptions extends HealthThresholds {
  readonly initial?: HealthState | undefined;
}

/** A change of verdict, and how many consecutive results of the same kind caused it. */
export interface Transition {
  readonly from: HealthState;
  readonly to: 'healthy' | 'unhealthy';
  readonly consecutive: number;
}

/**
 * Hysteresis over pass/fail results, so one flaky check neither takes a target down nor brings it back.
 * From 'unknown' the first result decides: there is no earlier verdict to protect against flapping
 * (Envoy's startup rule that a single success marks a new host healthy, applied to failures as well).
 */
export class HealthTracker {
  readonly #unhealthyThreshold: number;
  readonly #healthyThreshold: number;
  #state: HealthState;
  #consecutiveSuccesses = 0;
  #consecutiveFailures = 0;

  constructor(options: HealthTrackerOptions) {
    this.#unhealthyThreshold = positiveInteger('unhealthyThreshold', options.unhealthyThreshold);
    this.#healthyThreshold = positiveInteger('healthyThreshold', options.healthyThreshold);
    this.#state = options.initial ?? 'unknown';
  }

  get state(): HealthState {
    return this.#state;
  }

  get consecutiveSuccesses(): number {
    return this.#consecutiveSuccesses;
  }

  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** Feeds one result; returns the transition it caused, if any. */
  record(ok: boolean): Transition | undefined {
    if (ok) {
      this.#consecutiveSuccesses += 1;
      this.#consecutiveFailures = 0;
    } else {
      this.#consecutiveFailures += 1;
      this.#consecutiveSuccesses = 0;
    }
    const to = this.#verdict(ok);
    if (to === undefined || to === this.#state) return undefined;
    const transition: Transition = {
      from: this.#state,
      to,
      consecutive: ok ? this.#consecutiveSuccesses : this.#consecutiveFailures,
    };
    this.#state = to;
    return transition;
  }

  #verdict(ok: boolean): 'healthy' | 'unhealthy' | undefined {
    if (this.#state === 'unknown') return ok ? 'healthy' : 'unhealthy';
    if (ok) return this.#consecutiveSuccesses >= this.#healthyThreshold ? 'healthy' : undefined;
    return this.#consecutiveFailures >= this.#unhealthyThreshold ? 'unhealthy' : undefined;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be an integer ≥ 1, got ${value}`);
  return value;
}
