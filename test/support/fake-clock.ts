import type { Clock } from '../../src/core/clock.ts';

/** A clock that moves only when a test says so; timers fire in due order during advance(). */
export class FakeClock implements Clock {
  #nowMs: number;
  #timers: { dueMs: number; seq: number; fn: () => void }[] = [];
  #seq = 0;

  constructor(startMs = 1_000_000) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    const timer = { dueMs: this.#nowMs + Math.max(0, delayMs), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due, including ones set by those timers. */
  advance(ms: number): void {
    const targetMs = this.#nowMs + ms;
    for (;;) {
      const next = this.#timers
        .filter((t) => t.dueMs <= targetMs)
        .sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq)[0];
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#nowMs = next.dueMs;
      next.fn();
    }
    this.#nowMs = targetMs;
  }

  get pendingTimers(): number {
    return this.#timers.length;
  }
}
