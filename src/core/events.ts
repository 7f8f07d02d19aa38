import type { Outcome } from './outcome.ts';

/**
 * diagnostics_channel names and payloads. The gateway publishes; observability subscribes. Metrics and
 * logs therefore never sit in the request path as calls, and a channel without subscribers costs nothing.
 */
export const channelNames = {
  /** One client request finished (response ended, failed or the client left). */
  request: 'bulwark:gateway:request',
  /** One upstream attempt completed, successfully or not. */
  attempt: 'bulwark:gateway:attempt',
  /** A retry was made, or one was wanted and denied. */
  retry: 'bulwark:gateway:retry',
  /** An endpoint's active health verdict changed. */
  health: 'bulwark:gateway:health',
  /** Outlier detection ejected or returned an endpoint. */
  ejection: 'bulwark:gateway:ejection',
  /** An endpoint left rotation on its upstream's Retry-After, or came back. */
  coolDown: 'bulwark:gateway:cool-down',
  /** A pool entered or left panic mode, or started or stopped failing over. */
  poolMode: 'bulwark:gateway:pool-mode',
  /** An endpoint's admin state or weight was changed at run time (admin API, or overrides re-applied on reload). */
  endpointControl: 'bulwark:gateway:endpoint-control',
} as const;

export interface RequestEvent {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  /** The route's name, or its position in config (`0`, `1`, …) when it has none; `none` when none matched. */
  readonly route: string;
  /** The pool that served the last attempt ('' when none). */
  readonly pool: string;
  readonly endpoint: string;
  readonly status: number;
  readonly durationMs: number;
  readonly attempts: number;
  /** Set when the gateway itself produced the response or broke the stream. */
  readonly errorCode?: string | undefined;
  /** The rate limit that refused it (its configured name); only on GW_RATE_LIMITED. */
  readonly limit?: string | undefined;
  /** A short hash of that limit's key, never the key: tells one client's refusals from another's. */
  readonly keyFingerprint?: string | undefined;
  /** The client's request, by reference: built on every request, so only a line being written reads it. */
  readonly client?: RequestClient | undefined;
  /** What the exchange measured, likewise read only for a line; absent for answers given without forwarding. */
  readonly exchange?: MeasuredExchange | undefined;
}

/**
 * What the access log reads of a client's request: node's IncomingMessage fits, and so does what a parse error
 * left of one (request-line.ts). Never other headers: they may hold credentials.
 */
export interface RequestClient {
  readonly httpVersion?: string | undefined;
  readonly headers?: { readonly 'user-agent'?: string | undefined } | undefined;
  readonly socket?:
    | { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined }
    | null
    | undefined;
}

/** An exchange (a forwarded request or WebSocket handshake) that can say what it measured, when asked. */
export interface MeasuredExchange {
  measures(): RequestMeasures;
}

export interface RequestMeasures {
  /** The direct peer as read when the request came: an HTTP/2 stream forgets its socket once closed. */
  readonly clientAddress?: string | undefined;
  /** Request body bytes read from the client; undefined when uncounted (a chunked body streamed through). */
  readonly bytesReceived?: number | undefined;
  /** Response body bytes relayed from the upstream to the client's connection. */
  readonly bytesSent?: number | undefined;
  /** From the last attempt's start (waiting for and opening a connection included) to its response headers. */
  readonly upstreamFirstByteMs?: number | undefined;
}

export interface AttemptEvent {
  readonly requestId: string;
  readonly pool: string;
  readonly endpoint: string;
  readonly outcome: Outcome;
}

export interface RetryEvent {
  readonly requestId: string;
  readonly route: string;
  readonly pool: string;
  /** What failed: a status code as text, or connect-failure / refused / reset-before-response / first-byte-timeout. */
  readonly cause: string;
  /**
   * retried (published when the retry goes out), or why not: budget, body-not-replayable, not-idempotent,
   * attempts, deadline, or no-endpoint (allowed, but when its backoff ended no endpoint could take it).
   */
  readonly decision:
    'retried' | 'budget' | 'body-not-replayable' | 'not-idempotent' | 'attempts' | 'deadline' | 'no-endpoint';
}

export interface HealthEvent {
  readonly pool: string;
  readonly endpoint: string;
  readonly isHealthy: boolean;
  readonly detail: string;
}

export interface EjectionEvent {
  readonly pool: string;
  readonly endpoint: string;
  readonly isEjected: boolean;
  /** Outlier detection wanted to eject it but a rule (max_ejected_percent, the last endpoint) said no. */
  readonly isRefused: boolean;
  /** How long this ejection lasts; 0 when the endpoint returns or stays. */
  readonly durationMs: number;
  readonly reason: string;
}

export interface CoolDownEvent {
  readonly pool: string;
  readonly endpoint: string;
  /** true when it leaves rotation (or its cool-down is extended), false when it comes back or stays. */
  readonly isCooling: boolean;
  /** It would have cooled down but stays, the last in rotation (reported once per Retry-After period). */
  readonly isKeptLast?: boolean | undefined;
  /** The answer that asked for it (429 or 503); 0 when it comes back. */
  readonly status: number;
  /** What the upstream's Retry-After asked for; 0 when it comes back. */
  readonly retryAfterMs: number;
  /** How long it stays out (or would have): Retry-After capped by max_cool_down; 0 when it comes back. */
  readonly durationMs: number;
}

export interface PoolModeEvent {
  readonly pool: string;
  readonly mode: PoolMode;
  readonly healthyShare: number;
  /** The pool taking traffic when mode is 'failover'. */
  readonly failoverTo?: string | undefined;
}

/**
 * What an operator set: ready takes traffic; draining finishes in-flight requests and takes no new ones;
 * maintenance is draining with active health checks paused (HAProxy MAINT).
 */
export type EndpointAdminState = 'ready' | 'draining' | 'maintenance';

export interface EndpointControlEvent {
  readonly pool: string;
  readonly endpoint: string;
  readonly state: EndpointAdminState;
  /** The weight in force after the change (before any slow-start ramp). */
  readonly weight: number;
}

/** normal: ready endpoints serve; failover: a failover pool serves; panic: every non-drained endpoint serves. */
export type PoolMode = 'normal' | 'failover' | 'panic';

/** A point-in-time view of one pool, read at scrape time by /metrics and later by the admin API. */
export interface PoolStatus {
  readonly name: string;
  readonly mode: PoolMode;
  readonly healthyShare: number;
  readonly endpoints: readonly EndpointStatus[];
  /** Present when the pool has a concurrency limit, a queue in use, or client-side throttling. */
  readonly overload?: OverloadStatus | undefined;
}

/** A pool's overload protection right now (gauges) and since the snapshot started (counters). */
export interface OverloadStatus {
  /** The concurrency limit in force (adaptive or fixed); undefined without a pool limit. */
  readonly limit: number | undefined;
  readonly inFlight: number;
  readonly queued: number;
  /** Refused: queue full, or displaced by a more important request. */
  readonly shedTotal: number;
  readonly queueTimeoutsTotal: number;
  /** Adaptive limits only. */
  readonly minRttMs?: number | undefined;
  readonly latencySamplesTotal?: number | undefined;
  /** Client-side throttling's current reject probability; undefined when not configured. */
  readonly throttleProbability?: number | undefined;
}

export interface EndpointStatus {
  readonly id: string;
  readonly url: string;
  /** The weight in force: the configured one, or a runtime override. */
  readonly weight: number;
  readonly configuredWeight: number;
  /** `weight` scaled by the slow-start ramp: what the balancers use right now. */
  readonly effectiveWeight: number;
  /** Time left in the slow-start ramp; 0 when not ramping. */
  readonly slowStartRemainingMs: number;
  readonly isHealthy: boolean;
  /** Why the latest active check failed; undefined when it passed, or none ran. */
  readonly lastCheckFailure?: string | undefined;
  readonly isEjected: boolean;
  /** Time left out of rotation because the upstream answered 429/503 with Retry-After; 0 when not. */
  readonly coolDownRemainingMs: number;
  /** Takes no new requests: true while draining and while in maintenance. */
  readonly isDraining: boolean;
  readonly isInMaintenance: boolean;
  readonly adminState: EndpointAdminState;
  /** The admin state the config asks for (`drain: true` → draining), so overrides can be told apart. */
  readonly configuredState: EndpointAdminState;
  readonly inFlight: number;
  readonly ejections: number;
}
