import type { Clock } from '../core/clock.ts';

export interface ScheduledJob {
  readonly id: string;
  readonly intervalMs: number;
  /** One run; the scheduler bounds nothing itself: the job enforces its own timeout. */
  run(): Promise<void>;
}

interface Slot {
  job: ScheduledJob;
  dueMs: number;
  /** While waiting for a free run: the due time its lateness is measured from. */
  queuedDueMs: number;
  cancelTimer: (() => void) | undefined;
  isRunning: boolean;
  isQueued: boolean;
}

/**
 * Runs each job every `intervalMs`, on a fixed grid: job j is due at phase_j + k × interval, where the
 * phase comes from a hash of its id. So jobs spread evenly over their interval (no thundering herd at start
 * or reload), keep their slot across reloads, and never drift: a late start does not move the next one.
 * At most `maxConcurrent` jobs run at once; due jobs beyond that wait in arrival order, and how late each
 * start was is reported, the figure a scheduler is judged by. A job still running when due again skips
 * that turn rather than stacking up.
 */
export class Scheduler {
  readonly #clock: Clock;
  readonly #maxConcurrent: number;
  readonly #onLateness: (latenessMs: number) => void;
  readonly #slots = new Map<string, Slot>();
  readonly #waiting: Slot[] = [];
  #running = 0;
  #isStopped = false;
  #skipped = 0;

  constructor(deps: {
    readonly clock: Clock;
    readonly maxConcurrent: number;
    /** Called at each start with how long after its due time it began. */
    readonly onLateness?: ((latenessMs: number) => void) | undefined;
  }) {
    this.#clock = deps.clock;
    this.#maxConcurrent = deps.maxConcurrent;
    this.#onLateness = deps.onLateness ?? (() => undefined);
  }

  get running(): number {
    return this.#running;
  }

  /** Turns not taken because the previous run of the same job had not finished. */
  get skipped(): number {
    return this.#skipped;
  }

  /**
   * The jobs to run from now on. A job whose id and interval are unchanged keeps its next due time;
   * new or changed ones are placed on their grid; removed ones stop (a run under way finishes).
   */
  set(jobs: readonly ScheduledJob[]): void {
    const nowMs = this.#clock.nowMs();
    const keep = new Set(jobs.map((job) => job.id));
    for (const [id, slot] of this.#slots)
      if (!keep.has(id)) {
        slot.cancelTimer?.();
        this.#slots.delete(id);
      }
    for (const job of jobs) {
      const existing = this.#slots.get(job.id);
      const isRegridded = existing?.job.intervalMs !== job.intervalMs;
      // One slot object per id for its whole life: a run under way finishes on the slot it started on.
      const slot: Slot = existing ?? {
        job,
        dueMs: 0,
        queuedDueMs: 0,
        cancelTimer: undefined,
        isRunning: false,
        isQueued: false,
      };
      slot.job = job;
      if (!isRegridded) continue;
      slot.cancelTimer?.();
      slot.dueMs = nextOnGrid(nowMs, phaseOf(job.id, job.intervalMs), job.intervalMs);
      this.#slots.set(job.id, slot);
      if (!this.#isStopped) this.#arm(slot);
    }
  }

  /** Runs a job now, outside its grid (e.g. "check now" from the admin API); no-op if it is running. */
  runNow(id: string): void {
    const slot = this.#slots.get(id);
    if (slot && !slot.isRunning && !slot.isQueued) this.#enqueue(slot, this.#clock.nowMs());
  }

  stop(): void {
    this.#isStopped = true;
    for (const slot of this.#slots.values()) slot.cancelTimer?.();
    this.#waiting.length = 0;
  }

  #arm(slot: Slot): void {
    // Arming thousands of slots takes time: the first ones may already be due (a negative delay warns).
    const delayMs = Math.max(0, slot.dueMs - this.#clock.nowMs());
    slot.cancelTimer = this.#clock.setTimer(delayMs, () => this.#due(slot));
  }

  #due(slot: Slot): void {
    if (this.#isStopped || this.#slots.get(slot.job.id) !== slot) return;
    const dueMs = slot.dueMs;
    // The next turn is on the grid, whatever happens to this one.
    slot.dueMs += slot.job.intervalMs;
    this.#arm(slot);
    if (slot.isRunning || slot.isQueued) {
      this.#skipped += 1;
      return;
    }
    this.#enqueue(slot, dueMs);
  }

  #enqueue(slot: Slot, dueMs: number): void {
    if (this.#running < this.#maxConcurrent) return this.#start(slot, dueMs);
    slot.isQueued = true;
    slot.queuedDueMs = dueMs;
    this.#waiting.push(slot);
  }

  #start(slot: Slot, dueMs: number): void {
    this.#running += 1;
    slot.isRunning = true;
    this.#onLateness(Math.max(0, this.#clock.nowMs() - dueMs));
    let run: Promise<void>;
    try {
      run = slot.job.run();
    } catch {
      // A job's failure is its own business (it records results); the scheduler only frees the slot.
      run = Promise.resolve();
    }
    run.catch(() => undefined).finally(() => this.#finish(slot));
  }

  #finish(slot: Slot): void {
    this.#running -= 1;
    slot.isRunning = false;
    this.#finishWaiting();
  }

  /** Starts the first waiting job that is still scheduled, if a run is free. */
  #finishWaiting(): void {
    if (this.#isStopped || this.#running >= this.#maxConcurrent) return;
    const next = this.#waiting.shift();
    if (!next) return;
    next.isQueued = false;
    // Removed by a reload while it waited: it gives its turn to the next one.
    if (this.#slots.get(next.job.id) !== next) return this.#finishWaiting();
    this.#start(next, next.queuedDueMs);
  }
}

/**
 * A stable offset in [0, interval) from the job id, so a job keeps its slot across reloads: FNV-1a, then
 * MurmurHash3's finalizer, since ids differing only in a trailing number (`api-1`, `api-2`) would otherwise
 * land close together.
 */
export function phaseOf(id: string, intervalMs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  hash = (hash ^ (hash >>> 16)) >>> 0;
  return (hash / 0x1_0000_0000) * intervalMs;
}

/** The first time after `nowMs` of the form phase + k × interval. */
function nextOnGrid(nowMs: number, phaseMs: number, intervalMs: number): number {
  const k = Math.floor((nowMs - phaseMs) / intervalMs) + 1;
  return phaseMs + k * intervalMs;
}
