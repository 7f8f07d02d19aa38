import type { ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { AttemptDeps } from './attempt.ts';
import type { RouteGuards } from './admission.ts';
import type { Outcome } from '../core/outcome.ts';
import type { PickHint } from './balance/balancer.ts';
import type { Endpoint } from './endpoint.ts';
import type { GateTicket } from './overload/concurrency-gate.ts';
import type { RequestBody } from './request-body.ts';
import type { RetryBudget } from './retry-budget.ts';
import type { HashKey, RouteSpec } from './spec.ts';
import type { SocketReuseTracker, Upstreams } from './upstreams.ts';

/** Chooses endpoints across a pool and its failover chain, and learns from what happened. */
export interface EndpointSelector {
  select(
    poolName: string,
    hint: PickHint,
    tried: ReadonlySet<Endpoint>,
  ): { readonly endpoint: Endpoint; readonly pool: { readonly name: string } } | undefined;
  recordOutcome(endpoint: Endpoint, outcome: Outcome): void;
  /** The upstream asked, with Retry-After on a 429/503 (`status`), to be left alone for `retryAfterMs`. */
  coolDown(endpoint: Endpoint, status: number, retryAfterMs: number): void;
}

export interface ExchangeDeps {
  readonly clock: Clock;
  readonly random: () => number;
  readonly selector: EndpointSelector;
  readonly upstreams: Upstreams;
  readonly reuse: SocketReuseTracker;
  /** Feeds the latency model (peak-EWMA) after each attempt's response headers or failure. */
  readonly recordLatency: (endpoint: Endpoint, outcome: Outcome, nowMs: number) => void;
  /** Whether the drain cut this response at drain_timeout: then its close is Bulwark's doing, not the client's. */
  readonly wasCutOff: (res: ServerResponse) => boolean;
  /** Exchanges forwarding a stream, by response: the drain's deadline ends each as a stream, not a bare cut. */
  readonly streams: WeakMap<ServerResponse, DrainableStream>;
}

/** An exchange forwarding a stream (see cutAtDrainDeadline). */
export interface DrainableStream {
  endForDrain(end: { readonly code: ErrorCode; readonly message: string }): void;
}

/** A route with what the request path needs precomputed: its retry budget and hash key source. */
export interface RouteRuntime {
  /** Its name, or its position in config: what events name it by (routeIdOf). */
  readonly id: string;
  readonly spec: RouteSpec;
  readonly budget: RetryBudget;
  readonly hashKey: HashKey | undefined;
  /** Overload policies in front of the exchange; undefined when the route and its pool have none. */
  readonly guards: RouteGuards | undefined;
  /**
   * The shortest of the route's timeouts that is on (`total` always is; `first_byte` and `idle` unless 0).
   * Each counts from a moment at or after the request's start, so no deadline falls before start + this.
   */
  readonly shortestTimeoutMs: number;
  /** Shared by every attempt of the route, so starting one allocates no deps object. */
  readonly attemptDeps: AttemptDeps;
}

/** What the gateway knows of a request when it hands it to an exchange. */
export interface ExchangeInit {
  readonly requestId: string;
  /** The direct peer's address, read once for X-Forwarded-For and kept for the log line. */
  readonly clientIp: string;
  readonly body: RequestBody;
  readonly headers: Record<string, string | string[]>;
  readonly hint: PickHint;
  readonly ticket?: GateTicket | undefined;
}
