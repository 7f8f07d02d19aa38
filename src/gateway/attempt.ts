import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
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

/**
 * One request to one endpoint, as an undici dispatch handler. It only relays callbacks; the exchange
 * holds the policy. Once settled (finished, failed or abandoned) it ignores anything undici still says.
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
  #controller: Dispatcher.DispatchController | undefined;
  #abortReason: Error | undefined;

  constructor(owner: AttemptOwner, endpoint: Endpoint, poolName: string, startedMs: number) {
    this.#owner = owner;
    this.endpoint = endpoint;
    this.poolName = poolName;
    this.startedMs = startedMs;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    this.isStarted = true;
    // Abandoned while still queued in the pool: stop before anything is written.
    if (this.#abortReason) return controller.abort(this.#abortReason);
    this.#owner.trackSocketReuse(this);
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
    this.#owner.onResponseStart(this, status, headers, statusMessage);
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.isSettled) this.#owner.onResponseData(this, chunk);
  }

  onResponseEnd(): void {
    if (!this.isSettled) this.#owner.onResponseEnd(this);
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    if (!this.isSettled) this.#owner.onAttemptError(this, error);
  }

  pause(): void {
    this.#controller?.pause();
  }

  resume(): void {
    this.#controller?.resume();
  }

  /** Cancels the upstream request; the caller has already settled this attempt. */
  abort(reason: Error): void {
    this.#abortReason = reason;
    if (this.#controller && !this.#controller.aborted) this.#controller.abort(reason);
  }
}
