import type { Dispatcher } from 'undici';
import type { Clock } from '../core/clock.ts';
import { BulwarkError } from '../core/errors.ts';

/** An attempt as the gate sees it: an undici handler that gives its slot back through `gate.release`. */
export interface SlotHolder extends Dispatcher.DispatchHandler {
  /** Waiting in the gate for a connection: it provably never reached the upstream. */
  isQueued: boolean;
  /** From now on the holder owes `gate` one release: when its request ends, fails or is abandoned. */
  holdSlot(gate: ConnectionGate): void;
  /** No connection came free in time; the holder has left the queue and owes the gate nothing. */
  refuse(error: BulwarkError): void;
}

/** What the gate keeps current for balancing: whether a new request would have to wait. */
export interface SaturationFlag {
  isSaturated: boolean;
}

interface Waiter {
  readonly request: Dispatcher.DispatchOptions;
  readonly cancelTimer: (() => void) | undefined;
}

/**
 * At most `maxConnections` requests in an endpoint's undici Pool, which is what it has connections for:
 * beyond that undici queued them, hidden and unbounded, until the route's total timeout blamed the endpoint.
 * Here a request waits at most `maxWaitMs` (the connect timeout: getting a connection is part of getting
 * connected), then is refused as a local overflow (Envoy's upstream_rq_pending_overflow), never sent.
 */
export class ConnectionGate {
  readonly #pool: Dispatcher;
  readonly #maxConnections: number;
  /** 0: no bound of its own; the route's total timeout or the client ends the wait. */
  readonly #maxWaitMs: number;
  readonly #clock: Clock;
  readonly #flag: SaturationFlag;
  #busy = 0;
  /** In arrival order; a Map so that an abandoned waiter leaves at once, wherever it stands. */
  readonly #waiting = new Map<SlotHolder, Waiter>();

  /** `flag`: the endpoint, whose `isSaturated` the gate keeps current. */
  constructor(
    pool: Dispatcher,
    options: { readonly maxConnections: number; readonly maxWaitMs: number },
    clock: Clock,
    flag: SaturationFlag,
  ) {
    this.#pool = pool;
    this.#maxConnections = options.maxConnections;
    this.#maxWaitMs = options.maxWaitMs;
    this.#clock = clock;
    this.#flag = flag;
  }

  /** Requests holding a connection (or about to: undici may still be closing an abandoned one's socket). */
  get busy(): number {
    return this.#busy;
  }

  get waiting(): number {
    return this.#waiting.size;
  }

  dispatch(request: Dispatcher.DispatchOptions, holder: SlotHolder): void {
    holder.holdSlot(this);
    if (this.#busy < this.#maxConnections) {
      this.#busy += 1;
      this.#flag.isSaturated = this.#busy >= this.#maxConnections;
      this.#pool.dispatch(request, holder);
      return;
    }
    holder.isQueued = true;
    const cancelTimer =
      this.#maxWaitMs > 0 ? this.#clock.setTimer(this.#maxWaitMs, () => this.#refuse(holder)) : undefined;
    this.#waiting.set(holder, { request, cancelTimer });
  }

  /** The holder's request ended, failed or was abandoned: its connection, or its place in the queue, is free. */
  release(holder: SlotHolder): void {
    if (holder.isQueued) {
      holder.isQueued = false;
      this.#waiting.get(holder)?.cancelTimer?.();
      this.#waiting.delete(holder);
      return;
    }
    this.#busy -= 1;
    const next = this.#waiting.size > 0 ? this.#waiting.entries().next() : undefined;
    if (next === undefined || next.done === true) {
      this.#flag.isSaturated = false;
      return;
    }
    const [nextHolder, nextWaiter] = next.value;
    this.#waiting.delete(nextHolder);
    nextHolder.isQueued = false;
    nextWaiter.cancelTimer?.();
    this.#busy += 1;
    this.#pool.dispatch(nextWaiter.request, nextHolder);
  }

  #refuse(holder: SlotHolder): void {
    if (!this.#waiting.delete(holder)) return;
    holder.isQueued = false;
    holder.refuse(
      new BulwarkError(
        'GW_ENDPOINT_SATURATED',
        `all ${this.#maxConnections} connections to the endpoint stayed busy for ${this.#maxWaitMs} ms`,
      ),
    );
  }
}
