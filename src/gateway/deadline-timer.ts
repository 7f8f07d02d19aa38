import type { Clock } from '../core/clock.ts';

/** Whoever owns the deadlines: it learns the timer fired, and re-checks what is due then. */
export interface DeadlineOwner {
  onDeadline(): void;
}

/**
 * One timer behind several deadlines that move: a request's total, and its attempt's first byte and idle. It
 * is set for the earliest deadline known and the owner re-checks when it fires; a deadline that moves later
 * (each body chunk moves idle) costs nothing, so most requests create one timer.
 */
export class DeadlineTimer {
  readonly #clock: Clock;
  readonly #owner: DeadlineOwner;
  #cancel: (() => void) | undefined;
  #atMs = Infinity;

  constructor(clock: Clock, owner: DeadlineOwner) {
    this.#clock = clock;
    this.#owner = owner;
  }

  /** Makes the timer fire by `atMs`, unless it already does; `nowMs` spares a clock read. */
  watch(atMs: number, nowMs: number): void {
    if (atMs >= this.#atMs) return;
    this.#cancel?.();
    this.#atMs = atMs;
    this.#cancel = this.#clock.setTimer(atMs - nowMs, this.#fire);
  }

  cancel(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#atMs = Infinity;
  }

  readonly #fire = (): void => {
    this.#cancel = undefined;
    this.#atMs = Infinity;
    this.#owner.onDeadline();
  };
}
