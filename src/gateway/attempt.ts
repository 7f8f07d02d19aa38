import type { IncomingHttpHeaders } from 'node:http';
import { errors, type Dispatcher } from 'undici';
import type { Clock } from '../core/clock.ts';
import type { BulwarkError } from '../core/errors.ts';
import type { ConnectionGate, SlotHolder } from './connection-gate.ts';
import type { Endpoint } from './endpoint.ts';
import type { SocketReuseListener } from './upstreams.ts';

const noHeaders: IncomingHttpHeaders = Object.freeze({});

/** What an attempt reports to the exchange that owns it. */
export interface AttemptOwner {
  /**
   * The final answer's head came; `attempt` holds it (status, headers, statusMessage). `nowMs`: when, as the
   * attempt read the clock (the owner need not read it again).
   */
  onResponseStart(attempt: Attempt, nowMs: number): void;
  /** A 1xx interim response (103 Early Hints) before the final one. */
  onInterimResponse(attempt: Attempt, status: number, headers: IncomingHttpHeaders): void;
  onResponseData(attempt: Attempt, chunk: Buffer): void;
  onResponseEnd(attempt: Attempt): void;
  onAttemptError(attempt: Attempt, error: Error): void;
  /** The attempt went out on this socket; called synchronously from onRequestStart. */
  trackSocketReuse(attempt: Attempt): void;
  /** The whole request, a streamed body included, went out: when `total` starts for such a body. */
  onRequestSent(attempt: Attempt, nowMs: number): void;
  /**
   * The attempt's deadlineMs may now be earlier than before: it went out, answered, or may read again.
   * `nowMs` is the time the attempt just read, so that the owner's timer need not read the clock again.
   */
  onAttemptDeadline(attempt: Attempt, nowMs: number): void;
}

/** The route's per-attempt timeouts; 0 turns one off. */
export interface AttemptTimeouts {
  /** From the whole request going out on a connection (a streamed body's last byte) to the response headers. */
  readonly firstByteMs: number;
  /** The longest gap between body chunks, unless our own client is the one not reading. */
  readonly idleMs: number;
}

/** What every attempt of a route shares; built once per route (RouteRuntime.attemptDeps), not per request. */
export interface AttemptDeps {
  readonly clock: Clock;
  readonly timeouts: AttemptTimeouts;
}

/**
 * One request to one endpoint, as an undici dispatch handler. It relays callbacks to the exchange, which
 * holds the policy, and knows its own deadline: the first byte is due `first_byte` after the request went
 * out, and each body chunk `idle` after the previous one. The exchange's one timer enforces it (ADR 8):
 * undici's own headersTimeout/bodyTimeout are off, as they allocate two of its coarse timers per request that
 * live until its next half-second sweep and were promoted by every young-generation GC. Once settled
 * (finished, failed or abandoned) an attempt ignores anything undici still says.
 */
export class Attempt implements SlotHolder, SocketReuseListener {
  readonly endpoint: Endpoint;
  readonly poolName: string;
  readonly startedMs: number;
  isSocketReused = false;
  /** onRequestStart ran: a connection exists and undici may have begun reading the request body. */
  isStarted = false;
  /** Waiting for one of the endpoint's connections to come free (see ConnectionGate). */
  isQueued = false;
  /** No connection came free in time: refused locally, never sent. */
  isRefused = false;
  isSettled = false;
  /**
   * Its place at the endpoint was given back and its outcome recorded; as a rule together with isSettled, but
   * a held answer (HeldResponse) is counted while it is still read.
   */
  isCounted = false;
  status = 0;
  /** The response's head, kept with `status` for the exchange to write when it writes the body's first byte. */
  headers: IncomingHttpHeaders = noHeaders;
  statusMessage: string | undefined;
  /** When the response headers came (meaningful once `status` is set): the log's upstream first byte. */
  respondedMs = 0;
  #owner: AttemptOwner;
  readonly #clock: Clock;
  readonly #timeouts: AttemptTimeouts;
  #controller: Dispatcher.DispatchController | undefined;
  /** The gate this attempt owes its connection (or its place in the queue) back to; undefined once it did. */
  #gate: ConnectionGate | undefined;
  #abortReason: Error | undefined;
  /** The body streams from the client: the request is sent only when its last byte is (onRequestSent). */
  readonly #isBodyStreamed: boolean;
  #isRequestSent = false;
  /** When the whole request went out on a connection: the first-byte timeout counts from here. */
  #sentMs = 0;
  /** When the upstream last sent anything of its response: the idle timeout counts from here. */
  #lastChunkMs = 0;
  /** Our client is not reading, so the upstream's silence is not its fault (the exchange bounds the pause). */
  #isPaused = false;

  /**
   * `startedMs`: now, on `deps.clock`; the owner has usually just read it. `isBodyStreamed`: the body comes
   * from the client as it is sent, so a slow upload does not count against `first_byte` (Envoy times the
   * upstream from the end of the request).
   */
  constructor(
    owner: AttemptOwner,
    endpoint: Endpoint,
    poolName: string,
    deps: AttemptDeps,
    startedMs: number,
    isBodyStreamed: boolean,
  ) {
    this.#owner = owner;
    this.#isBodyStreamed = isBodyStreamed;
    this.endpoint = endpoint;
    this.poolName = poolName;
    this.#clock = deps.clock;
    this.#timeouts = deps.timeouts;
    this.startedMs = startedMs;
  }

  /** When this attempt times out unless the upstream sends something first; Infinity while nothing is timed. */
  get deadlineMs(): number {
    if (this.isSettled || !this.isStarted || this.#isPaused) return Infinity;
    const { firstByteMs, idleMs } = this.#timeouts;
    if (this.status === 0)
      return firstByteMs > 0 && this.#isRequestSent ? this.#sentMs + firstByteMs : Infinity;
    return idleMs > 0 ? this.#lastChunkMs + idleMs : Infinity;
  }

  /** A streamed body is still being written to the upstream, and no response has arrived. */
  get isSendingBody(): boolean {
    return this.#isBodyStreamed && this.isStarted && !this.#isRequestSent && this.status === 0;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    this.isStarted = true;
    // Abandoned while still queued in the pool: stop before anything is written.
    if (this.#abortReason) return controller.abort(this.#abortReason);
    this.#owner.trackSocketReuse(this);
    if (this.#isBodyStreamed) return;
    this.#isRequestSent = true;
    this.#sentMs = this.#clock.nowMs();
    this.#owner.onAttemptDeadline(this, this.#sentMs);
  }

  /** undici calls it once the request's last byte is written (its types leave it out of DispatchHandler). */
  onRequestSent(): void {
    if (this.isSettled || this.#isRequestSent) return;
    this.#isRequestSent = true;
    this.#sentMs = this.#clock.nowMs();
    this.#owner.onRequestSent(this, this.#sentMs);
  }

  onResponseStart(
    _c: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    if (this.isSettled) return;
    // 1xx interim responses (103 Early Hints) are not the response; undici reports the final one next.
    if (status < 200) return this.#owner.onInterimResponse(this, status, headers);
    this.status = status;
    this.headers = headers;
    this.statusMessage = statusMessage;
    this.respondedMs = this.#lastChunkMs = this.#clock.nowMs();
    this.#owner.onAttemptDeadline(this, this.#lastChunkMs);
    this.#owner.onResponseStart(this, this.#lastChunkMs);
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.isSettled) return;
    // A later deadline needs no timer change: the exchange's timer re-checks when it fires.
    this.#lastChunkMs = this.#clock.nowMs();
    this.#owner.onResponseData(this, chunk);
  }

  onResponseEnd(): void {
    this.#releaseSlot();
    if (!this.isSettled) this.#owner.onResponseEnd(this);
  }

  onResponseError(_c: Dispatcher.DispatchController | null, error: Error): void {
    this.#releaseSlot();
    if (!this.isSettled) this.#owner.onAttemptError(this, error);
  }

  holdSlot(gate: ConnectionGate): void {
    this.#gate = gate;
  }

  /** The gate gave up waiting for a connection: the owner hears it as an error, as of undici's own. */
  refuse(error: BulwarkError): void {
    this.#gate = undefined;
    this.isRefused = true;
    if (!this.isSettled) this.#owner.onAttemptError(this, error);
  }

  #releaseSlot(): void {
    const gate = this.#gate;
    this.#gate = undefined;
    gate?.release(this);
  }

  /** From now on the attempt reports to `owner`: a held answer takes it over, then hands it back. */
  relayTo(owner: AttemptOwner): void {
    this.#owner = owner;
  }

  /** Our client is not reading: the upstream is not idle by its own fault (the exchange bounds the pause). */
  pause(): void {
    this.#isPaused = true;
    this.#controller?.pause();
  }

  resume(): void {
    this.#isPaused = false;
    this.#lastChunkMs = this.#clock.nowMs();
    this.#owner.onAttemptDeadline(this, this.#lastChunkMs);
    this.#controller?.resume();
  }

  /** Cancels the upstream request; the caller has already settled this attempt. */
  abort(reason: Error): void {
    this.#abortReason = reason;
    // Never dispatched, or its connection closes now: either way the next waiter may go.
    this.#releaseSlot();
    if (this.#controller && !this.#controller.aborted) this.#controller.abort(reason);
  }

  /**
   * Called by the owner's timer once `deadlineMs` has passed. As undici's own timeouts would: the owner hears
   * the same error, and the request is cancelled.
   */
  expire(): void {
    if (this.isSettled) return;
    const error = this.status === 0 ? new errors.HeadersTimeoutError() : new errors.BodyTimeoutError();
    this.#owner.onAttemptError(this, error);
    this.abort(error);
  }
}
