import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../core/errors.ts';
import type { MeasuredExchange, RequestMeasures } from '../core/events.ts';
import type { Outcome } from '../core/outcome.ts';
import { Attempt, type AttemptOwner } from './attempt.ts';
import type { PickHint } from './balance/balancer.ts';
import type { ExchangeDeps, ExchangeInit, RouteRuntime } from './exchange-deps.ts';
import { publishAttempt, publishRequest } from './request-events.ts';
import type { Endpoint } from './endpoint.ts';
import type { FailureCause } from './layers/retry.ts';
import { retryAfterMs } from '../core/retry-after.ts';
import { discardUnreadBody, isReplayable, uploadFailure, type RequestBody } from './request-body.ts';
import { endStream, isClientGone, relayEarlyHints, sendError, sendHead, startResponse } from './responses.ts';
import { cutResponse } from './cut-response.ts';
import { HeldResponse } from './held-response.ts';
import { closeCause, isRequestTimedOut } from './client-errors.ts';
import { scheduleRetry, type PendingRetry } from './pending-retry.ts';
import { DeadlineTimer, type DeadlineOwner } from './deadline-timer.ts';
import {
  attemptFailure,
  classifyUpstreamError,
  describeOutcome,
  midStreamOutcome,
  noEndpointFailure,
  retriedFailure,
  statusOutcome,
  totalTimeoutVerdict,
  type GatewayFailure,
} from './upstream-errors.ts';
import { upstreamRequest } from './upstreams.ts';
import { measuresOf } from './exchange-measures.ts';
import { clientClosed, clientStalled, retrying, totalTimeout } from './abort-reasons.ts';

export type { EndpointSelector, ExchangeDeps, ExchangeInit, RouteRuntime } from './exchange-deps.ts';

const noneTried: ReadonlySet<Endpoint> = new Set();

/**
 * One client request from routing to the last byte: picks endpoints, retries what is safe to retry,
 * commits the first acceptable response to the client, and never makes a broken stream look complete.
 */
export class Exchange implements AttemptOwner, DeadlineOwner, MeasuredExchange {
  readonly #deps: ExchangeDeps;
  readonly #route: RouteRuntime;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #requestId: string;
  readonly #body: RequestBody;
  readonly #hint: PickHint;
  /** The rest of what the gateway handed over: forwarded headers, the gate ticket, the peer's address. */
  readonly #init: ExchangeInit;
  readonly #startMs: number;
  /** When `total` runs out; for a body streamed through, unknown (Infinity) until its last byte went out. */
  #deadlineMs: number;
  /** Endpoints this request already tried; allocated on the first retry, as most requests never retry. */
  #tried: Set<Endpoint> | undefined;
  #attempts = 0;
  #current: Attempt | undefined;
  #isCommitted = false;
  #isDone = false;
  #isPaused = false;
  /** A streamed response's progress (an event stream's events), to end a broken one without completing it. */
  #stream: ReturnType<typeof startResponse>;
  #lastFailure: GatewayFailure | undefined;
  /** A retriable answer kept, paused, through the backoff: the client's if no retry can go out after all. */
  #held: HeldResponse | undefined;
  /** The one timer behind every timeout of this request: the total, and its attempt's first byte and idle. */
  readonly #timer: DeadlineTimer;
  /** A retry waiting out its backoff. */
  #pendingRetry: PendingRetry | undefined;
  /** Response body bytes handed to the client: one add per chunk, next to a write that costs far more. */
  #bytesSent = 0;

  constructor(
    deps: ExchangeDeps,
    route: RouteRuntime,
    req: IncomingMessage,
    res: ServerResponse,
    init: ExchangeInit,
  ) {
    this.#deps = deps;
    this.#route = route;
    this.#req = req;
    this.#res = res;
    this.#requestId = init.requestId;
    this.#body = init.body;
    this.#hint = init.hint;
    this.#init = init;
    this.#startMs = deps.clock.nowMs();
    this.#deadlineMs = init.body.kind === 'stream' ? Infinity : this.#startMs + route.spec.timeouts.totalMs;
    this.#timer = new DeadlineTimer(deps.clock, this);
  }

  start(): void {
    // Each clock read is a call into node; the steps of a request that happen at once share one.
    this.#route.budget.recordRequest(this.#startMs);
    // The client may have left while its body was being buffered; 'close' has fired already then.
    if (isClientGone(this.#res)) return this.#finish(499, 'GW_CLIENT_CLOSED');
    this.#watch(this.#startMs + this.#route.shortestTimeoutMs, this.#startMs);
    this.#res.on('close', this.#onClientClose);
    this.#nextAttemptSafely(this.#startMs, undefined);
  }

  /** A bug while starting an attempt costs this request a 500, never the process. */
  #nextAttemptSafely(nowMs: number, retry: PendingRetry | undefined): void {
    try {
      this.#nextAttempt(nowMs, retry);
    } catch {
      // Never rethrow: this also runs from a timer, where a throw would end the process. The request
      // event carries GW_INTERNAL, so the failure is logged and counted.
      if (this.#current && !this.#current.isSettled) this.#settle(this.#current, undefined);
      this.#fail({ status: 500, code: 'GW_INTERNAL', message: 'internal gateway error' });
    }
  }

  /** `retry`: the retry whose backoff just ended, which counts only if an endpoint takes it. */
  #nextAttempt(nowMs: number, retry: PendingRetry | undefined): void {
    this.#pendingRetry = undefined;
    if (this.#isDone) return;
    const selection = this.#deps.selector.select(this.#route.spec.pool, this.#hint, this.#triedEndpoints());
    retry?.settle(selection !== undefined);
    const held = this.#held;
    if (held) {
      this.#held = undefined;
      // As Envoy, a response that cannot be retried is forwarded, not replaced by a gateway error.
      if (!selection && !held.isBroken) return this.#forwardHeld(held, nowMs);
      this.#settle(held.attempt, undefined);
      held.attempt.abort(retrying);
    }
    if (!selection) return this.#fail(this.#lastFailure ?? noEndpointFailure(this.#route.spec.pool));
    const { endpoint, pool } = selection;
    this.#attempts += 1;
    this.#tried?.add(endpoint);
    endpoint.inFlight += 1;
    this.#init.ticket?.dispatched();
    const isBodyStreamed = this.#body.kind === 'stream';
    const attempt = new Attempt(this, endpoint, pool.name, this.#route.attemptDeps, nowMs, isBodyStreamed);
    this.#current = attempt;
    const request = upstreamRequest(this.#req, this.#init.headers, this.#body, endpoint);
    this.#deps.upstreams.get(endpoint).dispatch(request, attempt);
  }

  #triedEndpoints(): ReadonlySet<Endpoint> {
    if (this.#tried) return this.#tried;
    if (!this.#current) return noneTried;
    return (this.#tried = new Set([this.#current.endpoint]));
  }

  trackSocketReuse(attempt: Attempt): void {
    this.#deps.reuse.expectSendHeaders(attempt);
  }

  /** As Envoy's route timeout, `total` counts from the end of the request, here its last byte sent upstream. */
  onRequestSent(attempt: Attempt, nowMs: number): void {
    if (attempt !== this.#current) return;
    if (this.#deadlineMs === Infinity) this.#deadlineMs = nowMs + this.#route.spec.timeouts.totalMs;
    this.#watch(Math.min(this.#deadlineMs, attempt.deadlineMs), nowMs);
  }

  onAttemptDeadline(attempt: Attempt, nowMs: number): void {
    if (attempt === this.#current) this.#watch(attempt.deadlineMs, nowMs);
  }

  #watch(atMs: number, nowMs: number): void {
    if (!this.#isDone) this.#timer.watch(atMs, nowMs);
  }

  onDeadline(): void {
    if (this.#isDone) return;
    const nowMs = this.#deps.clock.nowMs();
    // `total` bounds ordinary responses only; a stream is bounded by the idle timeout between chunks.
    const totalDeadlineMs = this.#stream ? Infinity : this.#deadlineMs;
    if (nowMs >= totalDeadlineMs) return this.#onTotalTimeout();
    const attempt = this.#current;
    if (attempt && nowMs >= attempt.deadlineMs) attempt.expire();
    this.#watch(Math.min(totalDeadlineMs, this.#current?.deadlineMs ?? Infinity), nowMs);
  }

  onResponseStart(attempt: Attempt, nowMs: number): void {
    const { status, headers } = attempt;
    const outcome = statusOutcome(status, nowMs - attempt.startedMs, true);
    this.#deps.recordLatency(attempt.endpoint, outcome, nowMs);
    // Pitfall 10: a fast 429/503 would attract more traffic; its Retry-After holds retries off (coolDown).
    const coolDownMs =
      status === 429 || status === 503 ? retryAfterMs(headers['retry-after'], Date.now()) : undefined;
    if (coolDownMs !== undefined) this.#deps.selector.coolDown(attempt.endpoint, status, coolDownMs);
    if (this.#route.spec.retry.on.includes(status) && this.#tryRetry(attempt, status)) {
      // Its outcome counts now, as a retried attempt's does, but the answer is only held: whether a retry goes
      // out is known when the backoff ends, and until then this answer is the one the client may get.
      this.#count(attempt, outcome);
      this.#held = new HeldResponse(attempt);
      return;
    }
    this.#commit(nowMs, attempt);
  }

  onInterimResponse(_attempt: Attempt, status: number, headers: IncomingHttpHeaders): void {
    if (status === 103) relayEarlyHints(this.#req, this.#res, headers);
  }

  /** This answer is the client's: nothing is retried from here on. */
  #commit(nowMs: number, attempt: Attempt): void {
    this.#isCommitted = true;
    this.#stream = startResponse(this.#req, this.#res, this.#requestId, attempt);
    this.#init.ticket?.responded(attempt.status, nowMs, this.#stream !== undefined);
    if (this.#stream) this.#deps.streams.set(this.#res, this);
  }

  /** Any other answer's head goes with its first body byte or its end (startResponse says why). */
  #sendHead(attempt: Attempt): void {
    if (!this.#res.headersSent) sendHead(this.#req, this.#res, this.#requestId, attempt);
  }

  /** The held answer goes out as if it had just come: what arrived of it meanwhile, then the rest. */
  #forwardHeld(held: HeldResponse, nowMs: number): void {
    this.#commit(nowMs, held.attempt);
    held.replayTo(this);
    // A client already slow to take the replayed chunks resumes the attempt on 'drain'.
    if (!held.isEnded && !this.#isPaused) held.attempt.resume();
  }

  onResponseData(attempt: Attempt, chunk: Buffer): void {
    this.#bytesSent += chunk.length;
    this.#sendHead(attempt);
    this.#stream?.observe(chunk);
    if (this.#res.write(chunk) || this.#isPaused) return;
    // Backpressure: a slow client pauses the upstream read instead of growing our buffer. The attempt has no
    // idle deadline while paused, so this timer bounds the pause: a stalled reader must not pin a connection.
    // With `idle` off (0) nothing bounds it, as nothing bounds a quiet upstream.
    this.#isPaused = true;
    attempt.pause();
    const cancelStallTimer = this.#afterIdle(() => {
      if (!this.#isPaused || this.#isDone) return;
      this.#settle(attempt, undefined);
      attempt.abort(clientStalled);
      cutResponse(this.#res);
      this.#finish(attempt.status, 'GW_CLIENT_STALLED');
    });
    this.#res.once('drain', () => {
      cancelStallTimer?.();
      this.#isPaused = false;
      attempt.resume();
    });
  }

  onResponseEnd(attempt: Attempt): void {
    const nowMs = this.#deps.clock.nowMs();
    const latencyMs = nowMs - attempt.startedMs;
    const status = attempt.status;
    this.#settle(attempt, statusOutcome(status, latencyMs, false));
    if (this.#body.kind === 'stream') discardUnreadBody(this.#req, this.#deps.clock);
    this.#sendHead(attempt);
    this.#res.end();
    this.#finish(status, undefined, nowMs);
  }

  onAttemptError(attempt: Attempt, error: Error): void {
    const latencyMs = this.#deps.clock.nowMs() - attempt.startedMs;
    // A body that failed on the client's side (a request timeout) says nothing of the upstream either.
    if ((isClientGone(this.#res) && !this.#res.writableFinished) || isRequestTimedOut(this.#req))
      return this.#onClientClose();
    // Its body failed (too large, or the upstream stopped reading it): nothing counts against the endpoint.
    const refusal = uploadFailure(attempt, error);
    if (refusal) return this.#refuseBody(attempt, refusal);
    if (this.#isCommitted) return this.#failAfterHeaders(attempt, error, latencyMs);
    const { cause, outcome } = classifyUpstreamError(error, latencyMs);
    this.#deps.recordLatency(attempt.endpoint, outcome, this.#deps.clock.nowMs());
    if (cause !== undefined && this.#tryRetry(attempt, cause)) {
      this.#settle(attempt, outcome);
      return attempt.abort(retrying);
    }
    this.#settle(attempt, outcome);
    this.#fail(attemptFailure(attempt.poolName, outcome));
  }

  /** Schedules the next attempt if the retry policy allows; the caller then lets go of `attempt`. */
  #tryRetry(attempt: Attempt, cause: FailureCause): boolean {
    const question = {
      spec: this.#route.spec.retry,
      method: this.#req.method ?? 'GET',
      cause,
      isSocketReused: attempt.isSocketReused,
      isBodyReplayable: isReplayable(this.#body, attempt),
      attemptsMade: this.#attempts,
      budget: this.#route.budget,
      nowMs: this.#deps.clock.nowMs(),
      deadlineMs: this.#deadlineMs,
      random: this.#deps.random,
    };
    const subject = { requestId: this.#requestId, route: this.#route.id, attempt, cause };
    this.#pendingRetry = scheduleRetry(question, subject, this.#deps.clock, (retry) =>
      this.#nextAttemptSafely(this.#deps.clock.nowMs(), retry),
    );
    if (!this.#pendingRetry) return false;
    this.#lastFailure = retriedFailure(attempt.poolName, cause, attempt.isRefused);
    return true;
  }

  #failAfterHeaders(attempt: Attempt, error: Error, latencyMs: number): void {
    const outcome = midStreamOutcome(error, latencyMs);
    this.#settle(attempt, outcome);
    if (!this.#res.headersSent) return this.#fail(attemptFailure(attempt.poolName, outcome));
    const message = `upstream of pool "${attempt.poolName}" failed mid-response: ${describeOutcome(outcome)}`;
    const end = { code: 'GW_UPSTREAM_STREAM_FAILED', message } as const;
    endStream(this.#res, this.#stream, end, this.#requestId, this.#afterIdle.bind(this));
    this.#finish(attempt.status, 'GW_UPSTREAM_STREAM_FAILED');
  }

  /** At the drain's deadline a stream ends as on an upstream failure, once its upstream is let go. */
  endForDrain(end: { readonly code: ErrorCode; readonly message: string }): void {
    const stream = this.#isDone ? undefined : this.#stream;
    this.#onClientClose();
    endStream(this.#res, stream, end, this.#requestId, this.#afterIdle.bind(this));
  }

  /** Runs `fn` once the route's idle timeout passes; undefined, and never runs, when `idle` is off (0). */
  #afterIdle(fn: () => void): (() => void) | undefined {
    const { idleMs } = this.#route.spec.timeouts;
    return idleMs > 0 ? this.#deps.clock.setTimer(idleMs, fn) : undefined;
  }

  #fail(failure: GatewayFailure): void {
    sendError(this.#res, failure.status, failure.code, failure.message, this.#requestId);
    this.#finish(failure.status, failure.code);
  }

  #refuseBody(attempt: Attempt, refusal: GatewayFailure): void {
    this.#settle(attempt, undefined);
    // The rest of the body is never read: close once the refusal is out, or break a response already begun.
    this.#res.shouldKeepAlive = false;
    // Nothing went out yet (an answer's head waits for its first body byte): the refusal can still be sent.
    if (!this.#res.headersSent) return this.#fail(refusal);
    cutResponse(this.#res);
    this.#finish(attempt.status, refusal.code);
  }

  #onTotalTimeout(): void {
    const attempt = this.#current;
    const verdict = totalTimeoutVerdict(attempt, this.#route.spec.timeouts.totalMs, this.#deps.clock.nowMs());
    if (attempt && !attempt.isSettled) {
      this.#settle(attempt, verdict.outcome);
      attempt.abort(totalTimeout);
    }
    if (!this.#res.headersSent) return this.#fail(verdict.failure);
    cutResponse(this.#res);
    this.#finish(attempt?.status ?? 0, 'GW_UPSTREAM_TIMEOUT');
  }

  readonly #onClientClose = (): void => {
    if (this.#isDone) return;
    const attempt = this.#current;
    if (attempt && !attempt.isSettled) {
      // The client left, or the drain cut it off: not the upstream's fault, so no outcome counts against it.
      this.#settle(attempt, undefined);
      attempt.abort(clientClosed);
    }
    const begunStatus = this.#res.headersSent ? attempt?.status : undefined;
    const { status, code } = closeCause(this.#req, this.#deps.wasCutOff(this.#res), begunStatus);
    this.#finish(status, code);
  };

  #settle(attempt: Attempt, outcome: Outcome | undefined): void {
    if (attempt.isSettled) return;
    attempt.isSettled = true;
    this.#count(attempt, outcome);
  }

  /** Gives back the attempt's place at its endpoint and records its outcome, once per attempt. */
  #count(attempt: Attempt, outcome: Outcome | undefined): void {
    if (attempt.isCounted) return;
    attempt.isCounted = true;
    attempt.endpoint.inFlight -= 1;
    if (!outcome) return;
    this.#deps.selector.recordOutcome(attempt.endpoint, outcome);
    publishAttempt(this.#requestId, attempt, outcome);
  }

  #finish(status: number, errorCode: ErrorCode | undefined, nowMs = this.#deps.clock.nowMs()): void {
    if (this.#isDone) return;
    this.#isDone = true;
    this.#timer.cancel();
    this.#pendingRetry?.cancel();
    publishRequest(this.#req, this, this.#requestId, this.#route.id, this.#current, {
      status,
      durationMs: nowMs - this.#startMs,
      attempts: this.#attempts,
      errorCode,
    });
  }

  /** For the log line only: allocates, so nothing on the request path calls it. */
  measures(): RequestMeasures {
    return measuresOf(this.#init.clientIp, this.#req, this.#body, this.#bytesSent, this.#current);
  }
}
