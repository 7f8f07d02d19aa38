import type { Clock } from '../core/clock.ts';
import type { Observation } from '../core/observation.ts';
import type { CheckContext } from './checks/check.ts';
import type { CheckSpec } from './checks/registry.ts';
import { runCycle } from './cycle.ts';
import type { FlapDetector } from './flapping.ts';
import {
  MonitorStatus,
  type CycleVerdict,
  type MonitorState,
  type MonitorWord,
  type StateChange,
  type StatusSeed,
} from './monitor-state.ts';
import { Scheduler } from './scheduler.ts';
import type { HeartbeatSpec, MonitorSpec } from './spec.ts';

/** One judged cycle, as stored and reported. Times are epoch ms. */
export interface MonitorResult {
  readonly monitorId: string;
  /** Where the check ran from; `local` until remote probes exist. */
  readonly probe: string;
  readonly atMs: number;
  readonly verdict: CycleVerdict;
  /** The monitor's state after this result. */
  readonly state: MonitorState;
  readonly responseTimeMs: number;
  readonly status?: number | undefined;
  readonly certDaysLeft?: number | undefined;
  readonly message: string;
}

export interface MonitorView {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly state: MonitorState;
  readonly sinceMs: number;
  readonly isFlapping: boolean;
  readonly lastResult: MonitorResult | undefined;
  /**
   * While paused or in maintenance, what it says of its target, which its state hides: paused, what it said
   * before its pause; in maintenance, what its checks say. It is what is stored, and what alerts hear.
   */
  readonly heldWord: MonitorWord | undefined;
}

/**
 * A monitor as the store gives it back after a restart; in maintenance (`maintenanceSinceMs`) under a window
 * the store holds open.
 */
export interface RestoredMonitor extends StatusSeed {
  /** A paused monitor's last result before its pause: the words of what it keeps saying. */
  readonly lastResult?: MonitorResult | undefined;
  /** Replayed from its last results, with its stored flag: a flapping monitor comes back flapping. */
  readonly flapDetector?: FlapDetector | undefined;
}

/**
 * What a monitor says of its target, as the status page shows it: its state or, while paused, what it said
 * before its pause, since stopping the checks is no evidence the target changed. In maintenance, `maintenance`:
 * the window speaks for its components, whose probes may fail by design meanwhile.
 */
export function wordOf(view: MonitorView): MonitorWord {
  if (view.state === 'paused' && view.heldWord) return view.heldWord;
  return { state: view.state, sinceMs: view.sinceMs };
}

export interface MonitoringDeps {
  /** Scheduling and rechecks (monotonic; fake in tests). */
  readonly clock: Clock;
  /** Result and state times (wall clock). */
  readonly epochNowMs: () => number;
  readonly runCheck: (spec: CheckSpec, context: CheckContext) => Promise<Observation>;
  readonly maxConcurrent: number;
  readonly onResult?: ((result: MonitorResult) => void) | undefined;
  readonly onStateChange?: ((monitor: MonitorSpec, change: StateChange) => void) | undefined;
  /**
   * A slot with no result: a paused monitor (no check runs) or a heartbeat on time (nothing to judge before
   * its next call or deadline, which may be a day away). It says again what it says, as a running monitor
   * does with each result, so what is rebuilt from results after a restart (alerts) hears it within its grace.
   */
  readonly onQuietSlot?: ((monitor: MonitorSpec) => void) | undefined;
  /** In maintenance, a check changed what the monitor says (its heldWord) and not its state: to be stored. */
  readonly onHeldWordChange?: ((monitor: MonitorSpec, word: MonitorWord) => void) | undefined;
  /** A result turned flapping on or off without changing the state: to be stored. */
  readonly onFlappingChange?: ((monitor: MonitorSpec, atMs: number) => void) | undefined;
  /** Each heartbeat call's time (epoch ms), to be kept: after a restart the deadline still runs from it. */
  readonly onHeartbeatCall?: ((monitorId: string, atMs: number) => void) | undefined;
  /** Start time of each check run vs its slot, for the scheduler-lateness metric and benchmark. */
  readonly onLateness?: ((latenessMs: number) => void) | undefined;
}

interface Entry {
  spec: MonitorSpec;
  status: MonitorStatus;
  lastResult: MonitorResult | undefined;
  /** Heartbeats: when the last one arrived (epoch ms), or when this process began watching one never called. */
  lastBeatMs: number;
}

/**
 * Every monitor of the config: schedules pull checks, watches heartbeats, keeps each monitor's state and
 * reports results. Knows nothing of storage or metrics: `onResult` and `onStateChange` carry them away.
 */
export class Monitoring {
  readonly #deps: MonitoringDeps;
  readonly #scheduler: Scheduler;
  readonly #entries = new Map<string, Entry>();

  constructor(deps: MonitoringDeps) {
    this.#deps = deps;
    this.#scheduler = new Scheduler({
      clock: deps.clock,
      maxConcurrent: deps.maxConcurrent,
      onLateness: deps.onLateness,
    });
  }

  /**
   * The monitors to run from now on (start and reload). Known ids keep their state; `restored` seeds the
   * state of monitors this process has not seen yet, and `lastCallsMs` their heartbeats' last calls (epoch ms),
   * both from the store after a restart.
   */
  set(
    specs: readonly MonitorSpec[],
    restored: ReadonlyMap<string, RestoredMonitor> = new Map(),
    lastCallsMs: ReadonlyMap<string, number> = new Map(),
  ): void {
    const nowMs = this.#deps.epochNowMs();
    const keep = new Set(specs.map((spec) => spec.id));
    for (const id of this.#entries.keys()) if (!keep.has(id)) this.#entries.delete(id);
    for (const spec of specs) {
      const entry = this.#entries.get(spec.id);
      if (entry && sameThresholds(entry.spec, spec)) {
        entry.spec = spec;
        continue;
      }
      const seed = entry ? entry.status.seed : restored.get(spec.id);
      this.#entries.set(spec.id, {
        spec,
        status: new MonitorStatus(thresholdsOf(spec), seed ?? { nowMs }),
        lastResult: entry ? entry.lastResult : restored.get(spec.id)?.lastResult,
        // A call stamped ahead of now (the wall clock was set back) must not postpone the deadline.
        lastBeatMs: entry?.lastBeatMs ?? Math.min(lastCallsMs.get(spec.id) ?? nowMs, nowMs),
      });
    }
    this.#scheduler.set(
      specs.map((spec) => ({
        id: spec.id,
        intervalMs: spec.check.kind === 'heartbeat' ? heartbeatSweepMs(spec.check) : spec.intervalMs,
        run: () => this.#runOne(spec.id),
      })),
    );
  }

  list(): MonitorView[] {
    return [...this.#entries.values()].map((entry) => this.#view(entry));
  }

  get(id: string): MonitorView | undefined {
    const entry = this.#entries.get(id);
    return entry && this.#view(entry);
  }

  /** A paused monitor runs no checks and keeps its history; false when there is no such monitor. */
  pause(id: string): boolean {
    return this.#change(id, (status, nowMs) => status.pause(nowMs));
  }

  resume(id: string): boolean {
    return this.#change(id, (status, nowMs) => status.resume(nowMs));
  }

  /**
   * In maintenance a monitor keeps checking, but its time counts as neither up nor down (excluded). Each monitor
   * gets a result at once when maintenance begins or ends: time is counted by results, so without a result at
   * the boundary the time up to the next one (for a daily heartbeat, up to a day) would count as the state
   * before it. A pull monitor runs its check; a heartbeat monitor restates what its last beat says. A paused
   * monitor stays paused and unchecked as a window starts or ends; resumed while one is open, it is in maintenance.
   */
  setMaintenance(id: string, isOn: boolean): boolean {
    let isChanged = false;
    const isKnown = this.#change(id, (status, nowMs) => {
      const change = status.setMaintenance(isOn, nowMs);
      isChanged = change !== undefined;
      return change;
    });
    const entry = this.#entries.get(id);
    if (!isChanged || !entry) return isKnown;
    if (entry.spec.check.kind === 'heartbeat') this.#restateHeartbeat(entry, entry.spec.check);
    else this.#scheduler.runNow(id);
    return isKnown;
  }

  /**
   * A heartbeat arrived for monitor `id` (the admin listener resolved its token). `isDown` when the sender
   * reports its own failure (`?status=down`). False when `id` is no heartbeat monitor.
   */
  heartbeat(
    id: string,
    report: { readonly isDown: boolean; readonly message?: string | undefined },
  ): boolean {
    const entry = this.#entries.get(id);
    if (!entry || entry.spec.check.kind !== 'heartbeat') return false;
    const nowMs = this.#deps.epochNowMs();
    entry.lastBeatMs = nowMs;
    this.#deps.onHeartbeatCall?.(id, nowMs);
    if (entry.status.state === 'paused') return true;
    const message =
      report.message ?? (report.isDown ? 'the sender reported a failure' : 'heartbeat received');
    this.#record(entry, report.isDown ? 'down' : 'up', message, { responseTimeMs: 0 });
    return true;
  }

  /** Runs every pull monitor once, now, without touching state: `bulwark check`. */
  static async checkOnce(
    specs: readonly MonitorSpec[],
    deps: Pick<MonitoringDeps, 'clock' | 'runCheck'>,
  ): Promise<
    {
      readonly spec: MonitorSpec;
      readonly verdict: CycleVerdict;
      readonly message: string;
      readonly responseTimeMs: number;
    }[]
  > {
    return Promise.all(
      specs.map(async (spec) => {
        if (spec.check.kind === 'heartbeat')
          return {
            spec,
            verdict: 'up' as const,
            message: 'heartbeat monitors are pushed, not run',
            responseTimeMs: 0,
          };
        const outcome = await runCycle({ ...spec, check: spec.check }, deps);
        return {
          spec,
          verdict: outcome.verdict,
          message: outcome.message,
          responseTimeMs: outcome.observation.responseTimeMs,
        };
      }),
    );
  }

  stop(): void {
    this.#scheduler.stop();
  }

  async #runOne(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    if (entry.status.state === 'paused') return void this.#deps.onQuietSlot?.(entry.spec);
    const { spec } = entry;
    if (spec.check.kind === 'heartbeat') {
      if (!this.#sweepHeartbeat(entry, spec.check)) this.#deps.onQuietSlot?.(spec);
      return;
    }
    const outcome = await runCycle({ ...spec, check: spec.check }, this.#deps);
    // Reloaded or removed while the check ran: its result belongs to a monitor that is gone.
    if (this.#entries.get(id) !== entry) return;
    this.#record(entry, outcome.verdict, outcome.message, outcome.observation);
  }

  /**
   * Late beyond expect_every + grace is down; the first heartbeat after that brings it back at once. True when
   * it recorded the monitor down.
   */
  #sweepHeartbeat(entry: Entry, check: HeartbeatSpec): boolean {
    const silentMs = this.#deps.epochNowMs() - entry.lastBeatMs;
    if (silentMs <= check.expectEveryMs + check.graceMs) return false;
    const message = `no heartbeat for ${Math.round(silentMs / 1_000)} s (expected every ${Math.round(check.expectEveryMs / 1_000)} s)`;
    this.#record(entry, 'down', message, { responseTimeMs: 0 });
    return true;
  }

  /**
   * A heartbeat monitor's result now, as a check would give for a pull monitor: late is down; otherwise the last
   * beat's verdict holds (a sender that reported a failure is still down). Before any result, nothing is known.
   */
  #restateHeartbeat(entry: Entry, check: HeartbeatSpec): void {
    if (this.#sweepHeartbeat(entry, check)) return;
    const last = entry.lastResult;
    if (!last) return;
    const agoS = Math.round((this.#deps.epochNowMs() - entry.lastBeatMs) / 1_000);
    const message = last.verdict === 'down' ? last.message : `heartbeat on time (last ${agoS} s ago)`;
    this.#record(entry, last.verdict, message, { responseTimeMs: 0 });
  }

  #record(entry: Entry, verdict: CycleVerdict, message: string, observation: Observation): void {
    const nowMs = this.#deps.epochNowMs();
    const saidBefore = entry.status.heldWord?.state;
    const wasFlapping = entry.status.isFlapping;
    const change = entry.status.record(verdict, nowMs);
    const held = entry.status.heldWord;
    const result: MonitorResult = {
      monitorId: entry.spec.id,
      probe: 'local',
      atMs: nowMs,
      verdict,
      state: entry.status.state,
      responseTimeMs: observation.responseTimeMs,
      status: observation.status,
      certDaysLeft: observation.certDaysLeft,
      message,
    };
    entry.lastResult = result;
    this.#deps.onResult?.(result);
    if (change) this.#deps.onStateChange?.(entry.spec, change);
    else if (held && held.state !== saidBefore) this.#deps.onHeldWordChange?.(entry.spec, held);
    else if (entry.status.isFlapping !== wasFlapping) this.#deps.onFlappingChange?.(entry.spec, nowMs);
  }

  #change(id: string, apply: (status: MonitorStatus, nowMs: number) => StateChange | undefined): boolean {
    const entry = this.#entries.get(id);
    if (!entry) return false;
    const change = apply(entry.status, this.#deps.epochNowMs());
    if (change) this.#deps.onStateChange?.(entry.spec, change);
    return true;
  }

  #view(entry: Entry): MonitorView {
    return {
      id: entry.spec.id,
      name: entry.spec.name,
      kind: entry.spec.check.kind,
      state: entry.status.state,
      sinceMs: entry.status.sinceMs,
      isFlapping: entry.status.isFlapping,
      lastResult: entry.lastResult,
      heldWord: entry.status.heldWord,
    };
  }
}

/** A heartbeat is checked for lateness a few times per expected period, at most every minute. */
function heartbeatSweepMs(check: HeartbeatSpec): number {
  return Math.max(1_000, Math.min(60_000, Math.floor(check.expectEveryMs / 4)));
}

/** A late heartbeat is already confirmed (the grace period was the wait): one sweep decides either way. */
function thresholdsOf(spec: MonitorSpec): { failureThreshold: number; successThreshold: number } {
  if (spec.check.kind === 'heartbeat') return { failureThreshold: 1, successThreshold: 1 };
  return spec;
}

function sameThresholds(a: MonitorSpec, b: MonitorSpec): boolean {
  return a.failureThreshold === b.failureThreshold && a.successThreshold === b.successThreshold;
}
