import { HealthTracker } from '../core/health-tracker.ts';
import { FlapDetector } from './flapping.ts';

export type MonitorState = 'up' | 'degraded' | 'down' | 'paused' | 'maintenance' | 'unknown';

/** One cycle's judgement, after rechecks: its assertions failed, passed slowly, or passed. */
export type CycleVerdict = 'up' | 'degraded' | 'down';

export interface MonitorThresholds {
  /** Consecutive failed cycles before down (Gatus `failure-threshold`). */
  readonly failureThreshold: number;
  /** Consecutive good cycles before up again (Gatus `success-threshold`). */
  readonly successThreshold: number;
}

export interface StateChange {
  readonly from: MonitorState;
  readonly to: MonitorState;
  readonly atMs: number;
}

/**
 * A monitor's state from its cycles: hysteresis on failures and recoveries (the HealthTracker the gateway's
 * health checks use), degraded when a passing cycle was slow, and flapping as a separate flag. Pause and
 * maintenance are set by people and override what the cycles say until lifted.
 */
export class MonitorStatus {
  readonly #health: HealthTracker;
  readonly #flapping = new FlapDetector();
  #derived: MonitorState;
  #override: 'paused' | 'maintenance' | undefined;
  #sinceMs: number;

  constructor(
    thresholds: MonitorThresholds,
    restored: { readonly state: MonitorState; readonly sinceMs: number } | { readonly nowMs: number },
  ) {
    const state = 'state' in restored ? restored.state : 'unknown';
    this.#health = new HealthTracker({
      unhealthyThreshold: thresholds.failureThreshold,
      healthyThreshold: thresholds.successThreshold,
      initial:
        state === 'down' ? 'unhealthy' : state === 'up' || state === 'degraded' ? 'healthy' : 'unknown',
    });
    this.#override = state === 'paused' || state === 'maintenance' ? state : undefined;
    this.#derived = this.#override ? 'unknown' : state;
    this.#sinceMs = 'sinceMs' in restored ? restored.sinceMs : restored.nowMs;
  }

  get state(): MonitorState {
    return this.#override ?? this.#derived;
  }

  get sinceMs(): number {
    return this.#sinceMs;
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
    const ok = verdict !== 'down';
    this.#health.record(ok);
    const change = this.#become(this.#derive(verdict), nowMs, 'derived');
    if (change && isOutageEdge(change)) this.#flapping.outageEdge(nowMs);
    this.#flapping.record(ok, nowMs);
    return change;
  }

  pause(nowMs: number): StateChange | undefined {
    return this.#become('paused', nowMs, 'override');
  }

  setMaintenance(isOn: boolean, nowMs: number): StateChange | undefined {
    if (isOn) return this.#become('maintenance', nowMs, 'override');
    return this.#override === 'maintenance' ? this.#lift(nowMs) : undefined;
  }

  resume(nowMs: number): StateChange | undefined {
    return this.#override === 'paused' ? this.#lift(nowMs) : undefined;
  }

  #lift(nowMs: number): StateChange | undefined {
    const from = this.state;
    this.#override = undefined;
    if (from === this.state) return undefined;
    this.#sinceMs = nowMs;
    return { from, to: this.state, atMs: nowMs };
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

  #become(next: MonitorState, nowMs: number, kind: 'derived' | 'override'): StateChange | undefined {
    const from = this.state;
    if (kind === 'override') this.#override = next as 'paused' | 'maintenance';
    else this.#derived = next;
    if (this.state === from) return undefined;
    this.#sinceMs = nowMs;
    return { from, to: this.state, atMs: nowMs };
  }
}

/** Into or out of an outage: down from up or degraded, or back. */
function isOutageEdge(change: StateChange): boolean {
  const isServing = (state: MonitorState) => state === 'up' || state === 'degraded';
  return (change.from === 'down' && isServing(change.to)) || (change.to === 'down' && isServing(change.from));
}
