import type { IncomingHttpHeaders } from 'node:http';
import { errors, type Dispatcher } from 'undici';
import type { Clock } from '../core/clock.ts';
import type { Endpoint } from './endpoint.ts';
import type { SocketReuseListener } from './upstreams.ts';

/** What an attempt reports to the exchange that owns it. */
export interface AttemptOwner {
  onResponseStart(
    attempt: Attempt,
    status: number,
    headers: IncomingHttpHeaders,
    statusMessage: string | undefined,
  ): void;
  onResponseData(attempt: Attempt, chunk: Buffer): void;
  onResponseEnd(attempt: Attempt): void;
  onAttemptError(attempt: Attempt, error: Error): void;
  /** The attempt went out on this socket; called synchronously from onRequestStart. */
  trackSocketReuse(attempt: Attempt): void;
}

/** The route's per-attempt timeouts; 0 turns one off. */
export interface AttemptTimeouts {
  /** From the request going out on a connection to the response headers. */
  readonly firstByteMs: number;
  /** The longest gap between body chunks, unless our own client is the one not reading. */
  readonly idleMs: number;
}

/**
 * One request to one endpoint, as an undici dispatch handler. It relays callbacks to the exchange, which
 * holds the policy, and times the first byte and the gaps between chunks itself: undici's own
 * headersTimeout/bodyTimeout allocate two of its coarse timers per request, which live until its next
 * half-second sweep, so at 20k req/s about 20,000 of them were alive at any time and every young-generation
 * GC promoted them (measured: 255 kB promoted per scavenge, 1.4 ms pauses; without them 23 kB and 0.8 ms).
 * Node's own timers, cleared as soon as the answer comes, die young. Once settled (finished, failed or
 * abandoned) an attempt ignores anything undici still says.
 */
export class Attempt implements Dispatcher.DispatchHandler, SocketReuseListener {
  readonly endpoint: Endpoint;
  readonly poolName: string;
  readonly startedMs: number;
  isSocketReused = false;
  /** onRequestStart ran: a connection exists and undici may have begun reading the request body. */
  isStarted = false;
  isSettled = false;
  status = 0;
  readonly #owner: AttemptOwner;
  readonly #clock: Clock;
  readonly #timeouts: AttemptTimeouts;
  #controller: Dispatcher.DispatchController | undefined;
  #abortReason: Error | undefined;
  #cancelTimer: (() => void) | undefined;
  /** When the upstream last sent a body chunk; the idle timer re-arms for the rest instead of per chunk. */
  #lastChunkMs = 0;

  constructor(
    owner: AttemptOwner,
    endpoint: Endpoint,
    poolName: string,
    deps: { readonly clock: Clock; readonly timeouts: AttemptTimeouts },
  ) {
    this.#owner = owner;
    this.endpoint = endpoint;
    this.poolName = poolName;
    this.#clock = deps.clock;
    this.#timeouts = deps.timeouts;
    this.startedMs = deps.clock.nowMs();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    this.isStarted = true;
    // Abandoned while still queued in the pool: stop before anything is written.
    if (this.#abortReason) return controller.abort(this.#abortReason);
    this.#owner.trackSocketReuse(this);
    const { firstByteMs } = this.#timeouts;
    if (firstByteMs > 0 && !this.isSettled)
      this.#cancelTimer = this.#clock.setTimer(firstByteMs, () =>
        this.#timedOut(new errors.HeadersTimeoutError()),
      );
  }

  onResponseStart(
    _c: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    // 1xx interim responses (103 Early Hints) are not the response; undici reports the final one next.
    if (this.isSettled || status < 200) return;
    this.status = status;
    this.#stopTimer();
    this.#watchIdle();
    this.#owner.onResponseStart(this, status, headers, statusMessage);
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.isSettled) return;
    this.#lastChunkMs = this.#clock.nowMs();
    this.#owner.onResponseData(this, chunk);
  }

  onResponseEnd(): void {
    this.#stopTimer();
    if (!this.isSettled) this.#owner.onResponseEnd(this);
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    this.#stopTimer();
    if (!this.isSettled) this.#owner.onAttemptError(this, error);
  }

  /** Our client is not reading: the upstream is not idle by its own fault (the exchange bounds the pause). */
  pause(): void {
    this.#stopTimer();
    this.#controller?.pause();
  }

  resume(): void {
    this.#watchIdle();
    this.#controller?.resume();
  }

  /** Cancels the upstream request; the caller has already settled this attempt. */
  abort(reason: Error): void {
    this.#stopTimer();
    this.#abortReason = reason;
    if (this.#controller && !this.#controller.aborted) this.#controller.abort(reason);
  }

  #watchIdle(): void {
    this.#stopTimer();
    const { idleMs } = this.#timeouts;
    if (idleMs <= 0 || this.isSettled) return;
    this.#lastChunkMs = this.#clock.nowMs();
    this.#cancelTimer = this.#clock.setTimer(idleMs, this.#checkIdle);
  }

  readonly #checkIdle = (): void => {
    this.#cancelTimer = undefined;
    const quietMs = this.#clock.nowMs() - this.#lastChunkMs;
    if (quietMs >= this.#timeouts.idleMs) return this.#timedOut(new errors.BodyTimeoutError());
    this.#cancelTimer = this.#clock.setTimer(this.#timeouts.idleMs - quietMs, this.#checkIdle);
  };

  /** As undici's own timeouts would: the exchange hears the same error, and the request is cancelled. */
  #timedOut(error: Error): void {
    this.#cancelTimer = undefined;
    if (this.isSettled) return;
    this.#owner.onAttemptError(this, error);
    this.abort(error);
  }

  #stopTimer(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }
}
