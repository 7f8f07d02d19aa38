import { channel } from 'node:diagnostics_channel';
import { channelNames, HealthTracker, type Clock, type HealthEvent } from '../../core/index.ts';
import type { Endpoint } from '../endpoint.ts';
import type { HealthCheckSpec } from '../spec.ts';
import type { Probe } from './health-probe.ts';

export interface ActiveCheckerDeps {
  readonly clock: Clock;
  /** Uniform in [0, 1); spreads checks so pools do not probe in lockstep. */
  readonly random: () => number;
  /** The check itself; the caller owns its connections and closes them after stop(). */
  readonly probe: Probe;
  /** Every passing check, so outlier detection can return the endpoint (Envoy successful_active_health_check_uneject_host). */
  readonly onPass?: ((endpoint: Endpoint) => void) | undefined;
  /** An endpoint's isHealthy changed. */
  readonly onChange?: (() => void) | undefined;
}

// HAProxy spread-checks: each interval varies by up to ±10 % so checks started together drift apart.
const spreadFraction = 0.1;
const healthChannel = channel(channelNames.health);

interface CheckState {
  readonly endpoint: Endpoint;
  tracker: HealthTracker;
  cancelTimer: (() => void) | undefined;
  inFlight: AbortController | undefined;
}

/**
 * Periodic active health checks for one pool. Endpoints start healthy so traffic flows at once;
 * Envoy instead holds new hosts out until their first check passes. Ours are demoted after
 * `unhealthyThreshold` failed checks, and passive outlier detection covers the first seconds.
 */
export class ActiveChecker {
  readonly #poolName: string;
  readonly #spec: HealthCheckSpec;
  readonly #deps: ActiveCheckerDeps;
  readonly #states: readonly CheckState[];
  #isRunning = false;
  #isStopped = false;

  constructor(
    poolName: string,
    endpoints: readonly Endpoint[],
    spec: HealthCheckSpec,
    deps: ActiveCheckerDeps,
  ) {
    this.#poolName = poolName;
    this.#spec = spec;
    this.#deps = deps;
    this.#states = endpoints.map((endpoint) => ({
      endpoint,
      tracker: new HealthTracker({ ...spec, initial: 'healthy' }),
      cancelTimer: undefined,
      inFlight: undefined,
    }));
  }

  /** Schedules each endpoint's first check at a random point within the first interval. */
  start(): void {
    if (this.#isRunning || this.#isStopped) return;
    this.#isRunning = true;
    for (const state of this.#states) {
      // A reload may have carried the verdict over from the previous snapshot: continue from it, don't flap.
      state.tracker = new HealthTracker({
        ...this.#spec,
        initial: state.endpoint.isHealthy ? 'healthy' : 'unhealthy',
      });
      this.#schedule(state, this.#deps.random() * this.#spec.intervalMs);
    }
  }

  /** Cancels timers and aborts checks in flight. Final: a snapshot's pools are never restarted. */
  stop(): void {
    this.#isRunning = false;
    this.#isStopped = true;
    for (const state of this.#states) {
      state.cancelTimer?.();
      state.cancelTimer = undefined;
      state.inFlight?.abort();
      state.inFlight = undefined;
    }
  }

  #schedule(state: CheckState, delayMs: number): void {
    state.cancelTimer = this.#deps.clock.setTimer(delayMs, () => {
      state.cancelTimer = undefined;
      void this.#check(state);
    });
  }

  #nextDelayMs(): number {
    return this.#spec.intervalMs * (1 + spreadFraction * (2 * this.#deps.random() - 1));
  }

  async #check(state: CheckState): Promise<void> {
    const controller = new AbortController();
    state.inFlight = controller;
    const { ok, detail } = await this.#runProbe(state.endpoint, controller);
    // stop() (or a newer check) has taken over this endpoint; a late answer must not change anything.
    if (state.inFlight !== controller || !this.#isRunning) return;
    state.inFlight = undefined;
    this.#record(state, ok, detail);
    this.#schedule(state, this.#nextDelayMs());
  }

  /** Never rejects: a thrown probe, a timeout and a false answer are all failed checks. */
  async #runProbe(endpoint: Endpoint, controller: AbortController): Promise<{ ok: boolean; detail: string }> {
    const timeoutMs = this.#spec.timeoutMs;
    let timedOut = false;
    let cancelTimeout = (): void => {};
    // Races the probe, so one that ignores its signal still cannot hold the schedule past timeoutMs;
    // stop() aborts too, and that must clear the timer at once rather than leave it pending.
    const deadline = new Promise<never>((_, reject) => {
      const onAbort = (): void => {
        cancelTimeout();
        reject(new Error(timedOut ? `timed out after ${timeoutMs}ms` : 'check stopped'));
      };
      const cancelTimer = this.#deps.clock.setTimer(timeoutMs, () => {
        timedOut = true;
        controller.abort();
      });
      controller.signal.addEventListener('abort', onAbort, { once: true });
      cancelTimeout = () => {
        cancelTimer();
        controller.signal.removeEventListener('abort', onAbort);
      };
    });
    try {
      const ok = await Promise.race([this.#deps.probe(endpoint, controller.signal), deadline]);
      return { ok, detail: ok ? 'check passed' : 'unhealthy response' };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // After a timeout the probe may reject with its own abort error; the timeout is the real cause.
      return { ok: false, detail: timedOut ? `timed out after ${timeoutMs}ms` : message };
    } finally {
      cancelTimeout();
    }
  }

  #record(state: CheckState, ok: boolean, detail: string): void {
    const { endpoint, tracker } = state;
    // In maintenance the check is paused and "answers" with the standing verdict: the real reason stays.
    if (!endpoint.isInMaintenance) endpoint.lastCheckFailure = ok ? undefined : detail;
    if (ok) this.#deps.onPass?.(endpoint);
    const transition = tracker.record(ok);
    if (!transition) return;
    endpoint.isHealthy = transition.to === 'healthy';
    const runText = `${transition.consecutive} consecutive ${ok ? 'passed' : 'failed'} checks`;
    this.#publish({
      pool: this.#poolName,
      endpoint: endpoint.id,
      isHealthy: endpoint.isHealthy,
      detail: ok ? runText : `${runText}; last: ${detail}`,
    });
    this.#deps.onChange?.();
  }

  #publish(event: HealthEvent): void {
    if (healthChannel.hasSubscribers) healthChannel.publish(event);
  }
}
