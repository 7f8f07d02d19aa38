import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../core/errors.ts';
import type { MeasuredExchange, RequestMeasures } from '../core/events.ts';
import { firstByteMsOf } from './exchange-measures.ts';
import { publishAttempt, publishRequest } from './request-events.ts';
import type { Outcome } from '../core/outcome.ts';
import type { PickHint } from './balance/balancer.ts';
import type { Endpoint } from './endpoint.ts';
import type { GateTicket } from './overload/concurrency-gate.ts';
import type { ExchangeDeps, RouteRuntime } from './exchange.ts';
import { clientResponseHeaders } from './headers.ts';
import type { FailureCause } from './layers/retry.ts';
import { scheduleRetry, type PendingRetry } from './pending-retry.ts';
import { attemptFailure, classifyUpstreamError, retriedFailure, statusOutcome } from './upstream-errors.ts';
import { rejectUpgrade, requestUpgrade, responseHead, switchingProtocolsHead } from './upgrade-tunnel.ts';

export type UpgradeDeps = Pick<ExchangeDeps, 'clock' | 'random' | 'selector' | 'recordLatency'>;

export interface UpgradeInit {
  readonly route: RouteRuntime;
  readonly requestId: string;
  /** End-to-end request headers with X-Forwarded-* and the request id; hop-by-hop ones already dropped. */
  readonly headers: Record<string, string | string[]>;
  readonly hint: PickHint;
  /** The handshake's slot in its pool's concurrency gate, held until the upstream answers it. */
  readonly ticket: GateTicket | undefined;
}

interface UpgradeAttempt {
  readonly endpoint: Endpoint;
  readonly poolName: string;
  readonly startedMs: number;
  /** The upstream's answer (101, or a refusal) and when it came; 0 until then. */
  status: number;
  respondedMs: number;
  isSettled: boolean;
  cancelTimer: (() => void) | undefined;
}

interface Failure {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * One upgrade handshake, like Exchange for a request: picks an endpoint, retries what the route's policy
 * allows (a handshake is a bodiless GET), relays a refusal, or hands both sockets to a Tunnel on 101.
 * An open tunnel keeps its endpoint's in-flight count up, so least-request and endpoint drain see it.
 */
export class UpgradeExchange implements MeasuredExchange {
  readonly #deps: UpgradeDeps;
  readonly #req: IncomingMessage;
  readonly #client: Duplex;
  readonly #head: Buffer;
  readonly #init: UpgradeInit;
  readonly #onOpen: (upstream: Socket, endpoint: Endpoint) => void;
  readonly #startMs: number;
  readonly #tried = new Set<Endpoint>();
  #current: UpgradeAttempt | undefined;
  #abortUpstream: (() => void) | undefined;
  /** A retry waiting out its backoff. */
  #pendingRetry: PendingRetry | undefined;
  #lastFailure: Failure | undefined;
  /** A refusal the route retries on, kept unread through the backoff: the client's if no retry can go out. */
  #held: IncomingMessage | undefined;
  #attempts = 0;
  #isDone = false;

  constructor(
    deps: UpgradeDeps,
    req: IncomingMessage,
    client: Duplex,
    head: Buffer,
    init: UpgradeInit,
    onOpen: (upstream: Socket, endpoint: Endpoint) => void,
  ) {
    this.#deps = deps;
    this.#req = req;
    this.#client = client;
    this.#head = head;
    this.#init = init;
    this.#onOpen = onOpen;
    this.#startMs = deps.clock.nowMs();
  }

  start(): void {
    this.#init.route.budget.recordRequest(this.#startMs);
    // node removed its own listeners from the upgraded socket: an unheard 'error' would end the process.
    this.#client.on('error', () => this.#client.destroy());
    this.#client.once('close', this.#onClientClose);
    this.#nextAttempt(undefined);
  }

  /** `retry`: the retry whose backoff just ended, which counts only if an endpoint takes it. */
  #nextAttempt(retry: PendingRetry | undefined): void {
    this.#pendingRetry = undefined;
    const { route, hint } = this.#init;
    const selection = this.#deps.selector.select(route.spec.pool, hint, this.#tried);
    retry?.settle(selection !== undefined);
    const held = this.#held;
    this.#held = undefined;
    // As Envoy, a refusal that cannot be retried is relayed, not replaced by a gateway error.
    if (held && !selection) return this.#relayRefusal(held);
    this.#abortUpstream?.();
    if (!selection)
      return this.#fail(
        this.#lastFailure ?? {
          status: 503,
          code: 'GW_NO_HEALTHY_ENDPOINT',
          message: `no endpoint of pool "${route.spec.pool}" can take requests`,
        },
      );
    const { endpoint, pool } = selection;
    this.#attempts += 1;
    this.#tried.add(endpoint);
    endpoint.inFlight += 1;
    this.#init.ticket?.dispatched();
    const attempt: UpgradeAttempt = {
      endpoint,
      poolName: pool.name,
      startedMs: this.#deps.clock.nowMs(),
      status: 0,
      respondedMs: 0,
      isSettled: false,
      cancelTimer: undefined,
    };
    this.#current = attempt;
    const upgrade = this.#req.headers.upgrade ?? 'websocket';
    const request = requestUpgrade(endpoint, this.#req.url ?? '/', this.#init.headers, upgrade);
    this.#abortUpstream = () => request.destroy();
    const { connectMs, firstByteMs } = route.spec.timeouts;
    attempt.cancelTimer = this.#timeoutAfter(connectMs, attempt, 'connect');
    request.once('socket', (socket) =>
      socket.once('connect', () => {
        attempt.cancelTimer?.();
        attempt.cancelTimer = this.#timeoutAfter(firstByteMs, attempt, 'first_byte');
      }),
    );
    request.on('error', (error) => this.#onError(attempt, error));
    request.once('response', (res) => this.#onRefused(attempt, res));
    request.once('upgrade', (res, socket, head) => this.#onUpgraded(attempt, res, socket, head));
    request.end();
  }

  #onUpgraded(attempt: UpgradeAttempt, res: IncomingMessage, upstream: Socket, upstreamHead: Buffer): void {
    upstream.on('error', () => upstream.destroy());
    // The client may be gone before its 'close' was heard; that listener then settles the attempt.
    if (attempt.isSettled || this.#isDone || this.#client.destroyed) return void upstream.destroy();
    this.#settle(attempt, this.#onAnswer(attempt, 101), true);
    this.#init.ticket?.responded(101, this.#deps.clock.nowMs());
    this.#client.off('close', this.#onClientClose);
    upstream.setNoDelay(true);
    this.#client.write(switchingProtocolsHead(res, this.#init.requestId));
    if (upstreamHead.length > 0) this.#client.write(upstreamHead);
    // Bytes the client sent after its handshake belong to the new protocol: they go first.
    if (this.#head.length > 0) upstream.write(this.#head);
    this.#onOpen(upstream, attempt.endpoint);
    this.#finish(101, undefined);
  }

  /** The upstream answered without switching (401, 404, 503…): the client gets that answer, or a retry is made. */
  #onRefused(attempt: UpgradeAttempt, res: IncomingMessage): void {
    if (attempt.isSettled || this.#isDone) return void res.destroy();
    const status = res.statusCode ?? 502;
    const outcome = this.#onAnswer(attempt, status);
    if (this.#init.route.spec.retry.on.includes(status) && this.#tryRetry(attempt, status, outcome)) {
      this.#held = res;
      // Broken while held: the retry goes ahead, and if none can, the client gets the gateway's 502.
      res.once('error', () => {
        if (this.#held === res) this.#held = undefined;
      });
      return;
    }
    this.#settle(attempt, outcome);
    this.#relayRefusal(res);
  }

  #relayRefusal(res: IncomingMessage): void {
    const status = res.statusCode ?? 502;
    this.#init.ticket?.responded(status, this.#deps.clock.nowMs());
    this.#client.write(responseHead(status, clientResponseHeaders(res.headers, this.#init.requestId)));
    res.pipe(this.#client);
    res.once('error', () => this.#client.destroy());
    this.#client.once('close', () => res.destroy());
    this.#finish(status, undefined);
  }

  #onError(attempt: UpgradeAttempt, error: Error): void {
    if (attempt.isSettled || this.#isDone) return;
    const { cause, outcome } = classifyUpstreamError(error, this.#deps.clock.nowMs() - attempt.startedMs);
    if (cause !== undefined && this.#tryRetry(attempt, cause, outcome)) return this.#abortUpstream?.();
    this.#settle(attempt, outcome);
    // As for requests: the pool and the kind of failure, never the address or the library's message.
    this.#fail(attemptFailure(attempt.poolName, outcome));
  }

  /** Times `phase` out after `ms`; undefined, and no timer, when the route turns it off (0). */
  #timeoutAfter(
    ms: number,
    attempt: UpgradeAttempt,
    phase: 'connect' | 'first_byte',
  ): (() => void) | undefined {
    return ms > 0 ? this.#deps.clock.setTimer(ms, () => this.#onTimeout(attempt, phase)) : undefined;
  }

  #onTimeout(attempt: UpgradeAttempt, phase: 'connect' | 'first_byte'): void {
    if (attempt.isSettled || this.#isDone) return;
    const outcome: Outcome = {
      kind: 'timeout',
      phase,
      latencyMs: this.#deps.clock.nowMs() - attempt.startedMs,
    };
    this.#abortUpstream?.();
    if (phase === 'connect' && this.#tryRetry(attempt, 'connect-failure', outcome)) return;
    this.#settle(attempt, outcome);
    this.#fail(attemptFailure(attempt.poolName, outcome));
  }

  #tryRetry(attempt: UpgradeAttempt, cause: FailureCause, outcome: Outcome): boolean {
    const { spec, budget, id } = this.#init.route;
    const question = {
      spec: spec.retry,
      method: 'GET',
      cause,
      isSocketReused: false,
      isBodyReplayable: true,
      attemptsMade: this.#attempts,
      budget,
      nowMs: this.#deps.clock.nowMs(),
      deadlineMs: this.#startMs + spec.timeouts.totalMs,
      random: this.#deps.random,
    };
    const subject = { requestId: this.#init.requestId, route: id, attempt, cause };
    this.#pendingRetry = scheduleRetry(question, subject, this.#deps.clock, (retry) =>
      this.#nextAttempt(retry),
    );
    if (!this.#pendingRetry) return false;
    // The caller lets go of the upstream request: at once, or a held refusal when the next attempt starts.
    this.#settle(attempt, outcome);
    this.#lastFailure = retriedFailure(attempt.poolName, cause);
    return true;
  }

  readonly #onClientClose = (): void => {
    if (this.#isDone) return;
    const attempt = this.#current;
    // The client left: not the upstream's fault, so no outcome counts against it.
    if (attempt && !attempt.isSettled) this.#settle(attempt, undefined);
    this.#abortUpstream?.();
    this.#finish(499, 'GW_CLIENT_CLOSED');
  };

  /** The upstream answered `status` (its 101, or a refusal): kept on the attempt, timed, and judged. */
  #onAnswer(attempt: UpgradeAttempt, status: number): Outcome {
    const nowMs = this.#deps.clock.nowMs();
    attempt.status = status;
    attempt.respondedMs = nowMs;
    const outcome = statusOutcome(status, nowMs - attempt.startedMs, true);
    this.#deps.recordLatency(attempt.endpoint, outcome, nowMs);
    return outcome;
  }

  /** With `isTunnelOpening` the in-flight count stays up until the tunnel closes. */
  #settle(attempt: UpgradeAttempt, outcome: Outcome | undefined, isTunnelOpening = false): void {
    if (attempt.isSettled) return;
    attempt.isSettled = true;
    attempt.cancelTimer?.();
    if (!isTunnelOpening) attempt.endpoint.inFlight -= 1;
    if (!outcome) return;
    this.#deps.selector.recordOutcome(attempt.endpoint, outcome);
    publishAttempt(this.#init.requestId, attempt, outcome);
  }

  #fail(failure: Failure): void {
    rejectUpgrade(this.#client, failure.status, failure.code, failure.message, this.#init.requestId);
    this.#finish(failure.status, failure.code);
  }

  /** The handshake is over (a tunnel's lifetime is not a request's duration); publishes the request event. */
  #finish(status: number, errorCode: ErrorCode | undefined): void {
    if (this.#isDone) return;
    this.#isDone = true;
    this.#pendingRetry?.cancel();
    this.#init.ticket?.release();
    publishRequest(this.#req, this, this.#init.requestId, this.#init.route.id, this.#current, {
      status,
      durationMs: this.#deps.clock.nowMs() - this.#startMs,
      attempts: this.#attempts,
      errorCode,
    });
  }

  /** For the log line only. A tunnel's bytes are not the handshake's; its client address is read from req. */
  measures(): RequestMeasures {
    return { upstreamFirstByteMs: firstByteMsOf(this.#current) };
  }
}
