import { HealthTracker } from '../core/health-tracker.ts';
import { FlapDetector, isOutageEdge } from './flapping.ts';

export type MonitorState = 'up' | 'degraded' | 'down' | 'paused' | 'maintenance' | 'unknown';

/** One cycle's judgement, after rechecks: its assertions failed, passed slowly, or passed. */
export type CycleVerdict = 'up' | 'degraded' | 'down';

export interface MonitorThresholds {
  /** Consecutive failed cycles before down (Gatus `failure-threshold`). */
  readonly failureThreshold: number;
  /** Consecutive good cycles before up again (Gatus `success-threshold`). */
  readonly successThreshold: number;
}

/** What a monitor says of its target, and since when (epoch ms). */
export interface MonitorWord {
  readonly state: MonitorState;
  readonly sinceMs: number;
}

/**
 * A state as stored: `state` and `sinceMs` are what the monitor says (paused, what it said before its pause).
 * Maintenance is not stored: the status page's windows, which are, put the monitor back in it after a restart.
 */
export interface StoredState extends MonitorWord {
  readonly pausedSinceMs?: number | undefined;
}

/** What a state machine starts from: rebuilt in the same process (new thresholds), or restored after a restart. */
export interface StatusSeed extends StoredState {
  readonly maintenanceSinceMs?: number | undefined;
  /** The flap detector to go on with: the replaced machine's, or one replayed from stored results. */
  readonly flapDetector?: FlapDetector | undefined;
}

export interface StateChange {
  readonly from: MonitorState;
  readonly to: MonitorState;
  readonly atMs: number;
}

/**
 * A monitor's state from its cycles: hysteresis on failures and recoveries (the HealthTracker the gateway's
 * health checks use), degraded when a passing cycle was slow, and flapping as a separate flag. Pause and
 * maintenance are set by people and show over what the cycles say until lifted; a pause shows over a window.
 */
export class MonitorStatus {
  readonly #health: HealthTracker;
  readonly #flapping: FlapDetector;
  /** What the cycles say (up, degraded, down or unknown), and since when: the monitor's word. */
  #derived: MonitorState;
  #derivedSinceMs: number;
  /** Kept apart: a pause is an operator's act, and no window starting or ending may lift it. */
  #isPaused: boolean;
  #isInMaintenance: boolean;
  /** Since when `state` shows what it shows. */
  #sinceMs: number;

  constructor(thresholds: MonitorThresholds, restored: StatusSeed | { readonly nowMs: number }) {
    const seed = 'state' in restored ? restored : { state: 'unknown' as const, sinceMs: restored.nowMs };
    // Saved as `paused` or `maintenance` by a version that kept nothing under them: nothing is known.
    const isWordless = seed.state === 'paused' || seed.state === 'maintenance';
    const word = isWordless ? 'unknown' : seed.state;
    this.#health = new HealthTracker({
      unhealthyThreshold: thresholds.failureThreshold,
      healthyThreshold: thresholds.successThreshold,
      initial: word === 'down' ? 'unhealthy' : word === 'up' || word === 'degraded' ? 'healthy' : 'unknown',
    });
    this.#flapping = ('state' in restored ? restored.flapDetector : undefined) ?? new FlapDetector();
    this.#derived = word;
    this.#derivedSinceMs = seed.sinceMs;
    this.#isPaused = seed.state === 'paused' || seed.pausedSinceMs !== undefined;
    this.#isInMaintenance = seed.maintenanceSinceMs !== undefined;
    this.#sinceMs = seed.pausedSinceMs ?? seed.maintenanceSinceMs ?? seed.sinceMs;
  }

  get state(): MonitorState {
    if (this.#isPaused) return 'paused';
    return this.#isInMaintenance ? 'maintenance' : this.#derived;
  }

  get sinceMs(): number {
    return this.#sinceMs;
  }

  /**
   * While paused or in maintenance, what the monitor says of its target, which its state hides: paused, what
   * it said before its pause (no check runs); in maintenance, what its checks say (the window mutes them).
   */
  get heldWord(): MonitorWord | undefined {
    if (!this.#isPaused && !this.#isInMaintenance) return undefined;
    return { state: this.#derived, sinceMs: this.#derivedSinceMs };
  }

  /** What to store, so a restart loses neither what the monitor says nor its pause. */
  get stored(): StoredState {
    const word = this.heldWord ?? { state: this.state, sinceMs: this.#sinceMs };
    return this.#isPaused ? { ...word, pausedSinceMs: this.#sinceMs } : word;
  }

  /**
   * What a replacement starts from: the stored state, the window the status page will not set again, and the
   * flap detector (new thresholds change nothing of how often the monitor changed).
   */
  get seed(): StatusSeed {
    const seed = { ...this.stored, flapDetector: this.#flapping };
    return this.#isInMaintenance ? { ...seed, maintenanceSinceMs: this.#sinceMs } : seed;
  }

  get isFlapping(): boolean {
    return this.#flapping.isFlapping;
  }

  get consecutiveFailures(): number {
    return this.#health.consecutiveFailures;
  }

  get consecutiveSuccesses(): number {
    return this.#health.consecutiveSuccesses;
  }

  /** Feeds one cycle; returns the change of state it caused, if any. */
  record(verdict: CycleVerdict, nowMs: number): StateChange | undefined {
    const from = this.state;
    const ok = verdict !== 'down';
    this.#health.record(ok);
    const derived = this.#derive(verdict);
    if (derived !== this.#derived) {
      this.#derived = derived;
      this.#derivedSinceMs = nowMs;
    }
    const change = this.#changed(from, nowMs);
    if (change && isOutageEdge(change.from, change.to)) this.#flapping.outageEdge(nowMs);
    this.#flapping.record(ok, nowMs);
    return change;
  }

  pause(nowMs: number): StateChange | undefined {
    const from = this.state;
    this.#isPaused = true;
    return this.#changed(from, nowMs);
  }

  resume(nowMs: number): StateChange | undefined {
    const from = this.state;
    this.#isPaused = false;
    return this.#changed(from, nowMs);
  }

  /** Paused, a window starting or ending changes nothing shown; resumed within one, it is in maintenance. */
  setMaintenance(isOn: boolean, nowMs: number): StateChange | undefined {
    const from = this.state;
    this.#isInMaintenance = isOn;
    return this.#changed(from, nowMs);
  }

  /** Between the thresholds the standing verdict holds: one failure does not make an up monitor down. */
  #derive(verdict: CycleVerdict): MonitorState {
    switch (this.#health.state) {
      case 'unknown':
        return 'unknown';
      case 'unhealthy':
        return 'down';
      case 'healthy':
        if (verdict === 'down') return this.#derived === 'degraded' ? 'degraded' : 'up';
        return verdict;
    }
  }

  /** The change of what `state` shows since `from`, if any. Shown again, the word counts from then too. */
  #changed(from: MonitorState, nowMs: number): StateChange | undefined {
    const to = this.state;
    if (to === from) return undefined;
    this.#sinceMs = nowMs;
    if (to === this.#derived) this.#derivedSinceMs = nowMs;
    return { from, to, atMs: nowMs };
  }
}
