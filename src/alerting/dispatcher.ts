import type { Clock } from '../core/clock.ts';
import type { OutboxEntry, OutboxStore } from './alert-store.ts';
import { isPrepared, type OutboxMessage } from './notification.ts';
import { DeliveryError, type Notifier, type NotifierIo } from './notifiers/notifier.ts';

/** Where one receiver's messages go: resolves when accepted, rejects with a DeliveryError otherwise. */
export interface ReceiverTarget {
  send(message: OutboxMessage, io: NotifierIo): Promise<void>;
  /** The service's documented pace; sends to this receiver are spaced by it. */
  readonly minIntervalMs?: number | undefined;
}

/** A configured notifier (`notifiers.NAME`) as a target: it sends alert notifications, nothing else. */
export function notifierTarget<C extends { readonly type: string }>(
  notifier: Notifier<C>,
  config: C,
): ReceiverTarget {
  return {
    minIntervalMs: notifier.minIntervalMs,
    send: (message, io) => {
      if (isPrepared(message))
        return Promise.reject(
          new DeliveryError(`notifier ${config.type} cannot send a prepared message`, { isRetryable: false }),
        );
      return notifier.send(message, config, io);
    },
  };
}

export type DeliveryOutcome = 'delivered' | 'retry' | 'dead';

/** One decision about one outbox entry; the host turns it into a log line and metrics. */
export interface DeliveryRecord {
  readonly notifier: string;
  readonly notificationId: string;
  readonly groupKey: string;
  /** Sends made so far, this one included; a dead-letter without a send repeats the previous count. */
  readonly attempt: number;
  readonly outcome: DeliveryOutcome;
  readonly error?: string;
  /** Time spent in the send; 0 when none was made. */
  readonly latencyMs: number;
  readonly nextAttemptAtMs?: number;
}

export interface DispatcherOptions {
  readonly store: OutboxStore;
  /** Wall-clock epoch ms: entries' createdAtMs and nextAttemptAtMs are on that scale. */
  readonly clock: Clock;
  /** undefined when the name left the config (a reload): its entries are dead-lettered. */
  readonly receivers: (name: string) => ReceiverTarget | undefined;
  /** An entry not delivered this long after its createdAtMs is dead-lettered instead of sent late. */
  readonly maxDeliveryAgeMs: number;
  /** Default 10 s. */
  readonly sendTimeoutMs?: number;
  /** Exponential with full jitter between failed sends. Default 1 s doubling up to 5 min. */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  readonly random?: () => number;
  /** Longest sleep between polls, for entries enqueued without wake() and after a store error. Default 30 s. */
  readonly pollIntervalMs?: number;
  /** Due entries read per poll. Default 100. */
  readonly batchSize?: number;
  readonly onOutcome?: (record: DeliveryRecord) => void;
  /** A store error (the dispatcher keeps running and retries at its next poll). */
  readonly onError?: (error: unknown) => void;
}

interface Lane {
  readonly queue: OutboxEntry[];
  running: Promise<void> | undefined;
  lastSendAtMs: number | undefined;
  cancelPause: (() => void) | undefined;
}

/**
 * Delivers outbox entries at least once. Sends to one notifier run one at a time, in due order (services rate
 * limit, and a group's messages must stay in order); different notifiers run in parallel. Each entry's id
 * travels as the receiver's idempotency key, so a send repeated after a crash can be recognised.
 */
export class Dispatcher {
  readonly #options: DispatcherOptions;
  readonly #sendTimeoutMs: number;
  readonly #backoff: { readonly baseMs: number; readonly maxMs: number };
  readonly #random: () => number;
  readonly #pollIntervalMs: number;
  readonly #lanes = new Map<string, Lane>();
  // Entries queued in a lane or being sent: a poll sees them as due until their outcome is stored.
  readonly #claimed = new Set<string>();
  #stopController = new AbortController();
  #isRunning = false;
  #isTickRequested = false;
  #ticking: Promise<void> | undefined;
  #cancelTimer: (() => void) | undefined;

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.#sendTimeoutMs = options.sendTimeoutMs ?? 10_000;
    this.#backoff = options.backoff ?? { baseMs: 1_000, maxMs: 300_000 };
    this.#random = options.random ?? Math.random;
    this.#pollIntervalMs = options.pollIntervalMs ?? 30_000;
  }

  start(): void {
    if (this.#isRunning) return;
    this.#isRunning = true;
    this.#stopController = new AbortController();
    this.wake();
  }

  /** Polls now: call it right after enqueue so a new notification goes out at once. */
  wake(): void {
    if (!this.#isRunning) return;
    this.#isTickRequested = true;
    this.#ticking ??= this.#runTicks();
  }

  /**
   * Stops polling and waits for in-flight sends; after `graceMs` (default sendTimeoutMs) it aborts them,
   * and they are stored as retries. Queued entries stay pending for the next start.
   */
  async stop(options: { readonly graceMs?: number } = {}): Promise<void> {
    if (!this.#isRunning) return;
    this.#isRunning = false;
    this.#cancelTimer?.();
    for (const lane of this.#lanes.values()) lane.cancelPause?.();
    const busy = [this.#ticking, ...[...this.#lanes.values()].map((lane) => lane.running)];
    const settled = Promise.allSettled(busy.filter((work) => work !== undefined));
    const graceMs = options.graceMs ?? this.#sendTimeoutMs;
    if (graceMs <= 0 || !(await this.#settlesWithin(settled, graceMs))) {
      this.#stopController.abort(
        new DeliveryError('send aborted: the dispatcher stopped', { isRetryable: true }),
      );
      await settled;
    }
  }

  async #runTicks(): Promise<void> {
    while (this.#isTickRequested && this.#isRunning) {
      this.#isTickRequested = false;
      await this.#tick();
    }
    this.#ticking = undefined;
  }

  async #tick(): Promise<void> {
    const { store, clock } = this.#options;
    let sleepMs = this.#pollIntervalMs;
    try {
      const nowMs = clock.nowMs();
      for (const entry of await store.dueEntries(nowMs, this.#options.batchSize ?? 100)) this.#claim(entry);
      // Due now means claimed (or past the batch): a lane's outcome wakes the loop, so no timer for it.
      const nextDueAtMs = await store.nextDueAtMs();
      if (nextDueAtMs !== undefined && nextDueAtMs > nowMs) {
        sleepMs = Math.min(sleepMs, Math.max(0, nextDueAtMs - clock.nowMs()));
      }
    } catch (error) {
      this.#report(error);
    }
    if (!this.#isRunning) return;
    this.#cancelTimer?.();
    this.#cancelTimer = clock.setTimer(sleepMs, () => this.wake());
  }

  #claim(entry: OutboxEntry): void {
    if (this.#claimed.has(entry.id)) return;
    this.#claimed.add(entry.id);
    let lane = this.#lanes.get(entry.notifier);
    if (lane === undefined) {
      lane = { queue: [], running: undefined, lastSendAtMs: undefined, cancelPause: undefined };
      this.#lanes.set(entry.notifier, lane);
    }
    lane.queue.push(entry);
    lane.running ??= this.#runLane(lane);
  }

  async #runLane(lane: Lane): Promise<void> {
    for (let entry = lane.queue.shift(); entry !== undefined; entry = lane.queue.shift()) {
      if (this.#isRunning) await this.#deliver(entry, lane);
      this.#claimed.delete(entry.id);
      // The group's next entry may now be due, and a fresh poll re-arms the timer.
      this.wake();
    }
    lane.running = undefined;
  }

  async #deliver(entry: OutboxEntry, lane: Lane): Promise<void> {
    const { clock, receivers, maxDeliveryAgeMs } = this.#options;
    const target = receivers(entry.notifier);
    if (target === undefined) {
      return this.#dead(entry, `receiver "${entry.notifier}" is not configured`, false, 0);
    }
    if (clock.nowMs() - entry.createdAtMs > maxDeliveryAgeMs) {
      const last = entry.lastError === undefined ? '' : `; last error: ${entry.lastError}`;
      return this.#dead(entry, `not delivered within ${maxDeliveryAgeMs} ms${last}`, false, 0);
    }
    await this.#pace(lane, target.minIntervalMs);
    if (!this.#isRunning) return;
    const startedMs = clock.nowMs();
    lane.lastSendAtMs = startedMs;
    const error = await this.#send(entry, target);
    const endedMs = clock.nowMs();
    await this.#settle(entry, error, endedMs, endedMs - startedMs);
  }

  // Turns a send's result into the entry's next state: delivered, retried after a backoff, or dead.
  #settle(entry: OutboxEntry, error: unknown, endedMs: number, latencyMs: number): Promise<void> {
    if (error === undefined) return this.#delivered(entry, endedMs, latencyMs);
    const message = errorText(error);
    if (error instanceof DeliveryError && !error.isRetryable)
      return this.#dead(entry, message, true, latencyMs);
    const retryAfterMs = error instanceof DeliveryError ? error.retryAfterMs : undefined;
    const nextAttemptAtMs = endedMs + this.#retryDelayMs(entry.attempts, retryAfterMs);
    const { maxDeliveryAgeMs, store } = this.#options;
    // Bounded total retry time (Alertmanager bounds it by group_interval): give up rather than send late.
    if (nextAttemptAtMs - entry.createdAtMs > maxDeliveryAgeMs) {
      const reason = `gave up after ${entry.attempts + 1} attempts within ${maxDeliveryAgeMs} ms: ${message}`;
      return this.#dead(entry, reason, true, latencyMs);
    }
    const record = {
      outcome: 'retry',
      attempt: entry.attempts + 1,
      error: message,
      latencyMs,
      nextAttemptAtMs,
    } as const;
    return this.#record(entry, record, () => store.markRetry(entry.id, nextAttemptAtMs, message));
  }

  /** Resolves with undefined when the service accepted the message, else with what the notifier threw. */
  async #send(entry: OutboxEntry, target: ReceiverTarget): Promise<unknown> {
    const { clock } = this.#options;
    const deadline = new AbortController();
    const timeoutMs = this.#sendTimeoutMs;
    const cancel = clock.setTimer(timeoutMs, () =>
      deadline.abort(new DeliveryError(`send timed out after ${timeoutMs} ms`, { isRetryable: true })),
    );
    const signal = AbortSignal.any([deadline.signal, this.#stopController.signal]);
    const io = { nowMs: () => clock.nowMs(), signal };
    try {
      // The race keeps a notifier that ignores its signal from holding the lane forever.
      await Promise.race([target.send(entry.notification, io), rejectOnAbort(signal)]);
      return undefined;
    } catch (error) {
      return error ?? new Error('rejected without a reason');
    } finally {
      cancel();
    }
  }

  // Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"), but never sooner than the
  // service's own Retry-After, itself capped so a hostile header cannot park the entry for a day.
  #retryDelayMs(previousAttempts: number, retryAfterMs: number | undefined): number {
    const { baseMs, maxMs } = this.#backoff;
    const ceilingMs = Math.min(maxMs, baseMs * 2 ** Math.min(previousAttempts, 30));
    return Math.max(Math.floor(this.#random() * ceilingMs), Math.min(retryAfterMs ?? 0, maxMs));
  }

  async #pace(lane: Lane, minIntervalMs: number | undefined): Promise<void> {
    if (minIntervalMs === undefined || lane.lastSendAtMs === undefined) return;
    const waitMs = lane.lastSendAtMs + minIntervalMs - this.#options.clock.nowMs();
    if (waitMs <= 0) return;
    await new Promise<void>((resolve) => {
      const cancel = this.#options.clock.setTimer(waitMs, resolve);
      lane.cancelPause = () => {
        cancel();
        resolve();
      };
    });
    lane.cancelPause = undefined;
  }

  #delivered(entry: OutboxEntry, atMs: number, latencyMs: number): Promise<void> {
    const record = { outcome: 'delivered', attempt: entry.attempts + 1, latencyMs } as const;
    return this.#record(entry, record, () => this.#options.store.markDelivered(entry.id, atMs));
  }

  #dead(entry: OutboxEntry, reason: string, attempted: boolean, latencyMs: number): Promise<void> {
    const atMs = this.#options.clock.nowMs();
    const attempt = entry.attempts + (attempted ? 1 : 0);
    const record = { outcome: 'dead', attempt, error: reason, latencyMs } as const;
    return this.#record(entry, record, () =>
      this.#options.store.markDead(entry.id, atMs, reason, { attempted }),
    );
  }

  // Stores the outcome, then reports it; a store error leaves the entry pending, to be sent again.
  async #record(
    entry: OutboxEntry,
    outcome: Omit<DeliveryRecord, 'notifier' | 'notificationId' | 'groupKey'>,
    write: () => Promise<void>,
  ): Promise<void> {
    try {
      await write();
    } catch (storeError) {
      this.#report(storeError);
      return;
    }
    try {
      this.#options.onOutcome?.({
        notifier: entry.notifier,
        notificationId: entry.id,
        groupKey: entry.groupKey,
        ...outcome,
      });
    } catch (callbackError) {
      this.#report(callbackError);
    }
  }

  #report(error: unknown): void {
    try {
      this.#options.onError?.(error);
    } catch {
      // The host's error callback failing must not stop deliveries.
    }
  }

  async #settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
    let cancel: (() => void) | undefined;
    const timeout = new Promise<false>((resolve) => {
      cancel = this.#options.clock.setTimer(ms, () => resolve(false));
    });
    const isSettled = await Promise.race([work.then(() => true), timeout]);
    cancel?.();
    return isSettled;
  }
}

// Rejects with the abort's reason: a DeliveryError saying whether the deadline passed or the dispatcher stopped.
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    const abort = () => reject(signal.reason as Error);
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
}

// DeliveryError messages are written to be safe to store; anything else is a notifier bug, and its message
// might quote a URL with a secret in it, so only its type is kept.
function errorText(error: unknown): string {
  if (error instanceof DeliveryError) return error.message;
  const name = error instanceof Error ? error.name : typeof error;
  return `notifier failed unexpectedly (${name})`;
}
