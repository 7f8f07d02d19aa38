import type { Clock } from '../core/clock.ts';
import { StoreError } from './store-error.ts';

export interface BatchWriterOptions<T> {
  /** Stores one batch durably; BatchWriter never calls it twice at once. */
  readonly write: (items: readonly T[]) => Promise<void>;
  readonly clock: Clock;
  /** Longest an item waits before a flush starts. Default 1000. */
  readonly flushIntervalMs?: number;
  /** Items per write call; this many pending starts a flush at once. Default 500. */
  readonly maxBatch?: number;
  /** Beyond this many pending (a store that keeps failing), the oldest are dropped. Default 100,000. */
  readonly maxPending?: number;
  /** A write failed; its items stay pending and are retried after flushIntervalMs. */
  readonly onFlushError?: (error: unknown, pendingCount: number) => void;
}

interface Entry<T> {
  readonly item: T;
  readonly stored: () => void;
  readonly lost: (error: StoreError) => void;
}

/** Collects items off the hot path and writes them in batches, one write at a time. */
export class BatchWriter<T> {
  readonly #options: BatchWriterOptions<T>;
  readonly #flushIntervalMs: number;
  readonly #maxBatch: number;
  readonly #maxPending: number;
  #pending: Entry<T>[] = [];
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  #cancelTimer: (() => void) | undefined;
  // After a failed write only the timer retries, so a broken store is not hammered on every add().
  #isBackingOff = false;
  #isClosed = false;
  #droppedCount = 0;
  #failedFlushCount = 0;

  constructor(options: BatchWriterOptions<T>) {
    this.#options = options;
    this.#flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#maxPending = options.maxPending ?? 100_000;
  }

  get pendingCount(): number {
    return this.#pending.length;
  }
  get droppedCount(): number {
    return this.#droppedCount;
  }
  get failedFlushCount(): number {
    return this.#failedFlushCount;
  }

  /** Queues an item; the promise resolves once the write that carried it resolved, and rejects if it was dropped. */
  add(item: T): Promise<void> {
    if (this.#isClosed)
      return handled(Promise.reject(new StoreError('STORE_WRITER_CLOSED', 'the writer is closed')));
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#pending.push({ item, stored: resolve, lost: reject });
    this.#dropBeyondBound();
    if (this.#pending.length >= this.#maxBatch && !this.#isBackingOff) void this.flush();
    else this.#armTimer();
    // Callers may ignore the promise; a drop must not surface as an unhandled rejection.
    return handled(promise);
  }

  /** Writes what is pending now, in batches of maxBatch; resolves after the attempt, successful or not. */
  flush(): Promise<void> {
    if (this.#queued) return this.#queued;
    if (this.#running) {
      this.#queued = this.#running.then(() => {
        this.#queued = undefined;
        return this.flush();
      });
      return this.#queued;
    }
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      this.#afterFlush();
    });
    return this.#running;
  }

  /** Stops accepting items and makes one last attempt; rejects (and rejects their add()) if items were lost. */
  async close(): Promise<void> {
    this.#isClosed = true;
    this.#disarmTimer();
    await this.flush();
    if (this.#pending.length === 0) return;
    const lost = this.#pending.splice(0);
    const error = new StoreError('STORE_FLUSH_FAILED', `${lost.length} items were not stored before close`);
    for (const entry of lost) entry.lost(error);
    throw error;
  }

  async #drain(): Promise<void> {
    this.#disarmTimer();
    // Only what was pending at the start, so a flush ends even while adds keep arriving.
    let budget = this.#pending.length;
    while (budget > 0 && this.#pending.length > 0) {
      const batch = this.#pending.splice(0, Math.min(this.#maxBatch, budget));
      budget -= batch.length;
      try {
        await this.#options.write(batch.map((entry) => entry.item));
      } catch (error) {
        this.#pending.unshift(...batch);
        this.#dropBeyondBound();
        this.#isBackingOff = true;
        this.#failedFlushCount++;
        this.#report(error);
        return;
      }
      this.#isBackingOff = false;
      for (const entry of batch) entry.stored();
    }
  }

  #afterFlush(): void {
    if (this.#isClosed || this.#queued || this.#pending.length === 0) return;
    if (this.#pending.length >= this.#maxBatch && !this.#isBackingOff) void this.flush();
    else this.#armTimer();
  }

  #armTimer(): void {
    if (this.#cancelTimer || this.#isClosed || this.#pending.length === 0) return;
    this.#cancelTimer = this.#options.clock.setTimer(this.#flushIntervalMs, () => {
      this.#cancelTimer = undefined;
      void this.flush();
    });
  }

  #disarmTimer(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  #dropBeyondBound(): void {
    while (this.#pending.length > this.#maxPending) {
      this.#pending
        .shift()
        ?.lost(new StoreError('STORE_WRITE_DROPPED', `dropped: over ${this.#maxPending} pending`));
      this.#droppedCount++;
    }
  }

  #report(error: unknown): void {
    try {
      this.#options.onFlushError?.(error, this.#pending.length);
    } catch {
      // A broken error callback must not stop the retries.
    }
  }
}

function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
