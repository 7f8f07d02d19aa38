/**
 * What the gateway needs to run, in normalized units. The config schema's output is assignable to
 * these types, so app.ts passes it straight through; the gateway never imports config/ (dependency rule).
 */
export type BalancerKind =
  'round-robin' | 'weighted-round-robin' | 'least-request' | 'peak-ewma' | 'consistent-hash';

/** `header:NAME` (lower-cased name), `cookie:NAME`, or the client's IP. */
export type HashKey = { readonly from: 'header' | 'cookie'; readonly name: string } | { readonly from: 'ip' };

export interface EndpointSpec {
  readonly url: string;
  readonly weight: number;
  readonly drain: boolean;
}

/**
 * How the gateway speaks TLS to a pool's https endpoints: requests, health checks and WebSocket upgrades
 * alike. PEM text read at load, never a path: the data plane does not touch the disk. Key material, never shown.
 */
export interface UpstreamTlsSpec {
  /** PEM CAs that replace the system's (as Envoy's and nginx's do); the system's when undefined. */
  readonly ca?: string | undefined;
  /** SNI and certificate name for every endpoint, an address too; each endpoint's own host when undefined. */
  readonly serverName?: string | undefined;
  /** false accepts any certificate. */
  readonly isVerified: boolean;
  /** Presented when the upstream asks (mutual TLS). */
  readonly clientCertificate?: { readonly cert: string; readonly key: string } | undefined;
}

export interface HealthCheckSpec {
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly unhealthyThreshold: number;
  readonly healthyThreshold: number;
  /** The check's Host; the endpoint URL's host:port when undefined. */
  readonly host?: string | undefined;
  /** Lower-cased names; values may be secrets, never logged. */
  readonly headers?: readonly (readonly [string, string])[] | undefined;
  /** Statuses that pass; below 400 when undefined. */
  readonly expectedStatuses?: readonly StatusRange[] | undefined;
  /** Text the first 64 KiB of the body must contain. */
  readonly expectBody?: string | undefined;
}

/** Inclusive; a single status is a range of one. */
export interface StatusRange {
  readonly fromStatus: number;
  readonly toStatus: number;
}

export interface OutlierDetectionSpec {
  readonly consecutiveFailures: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  /** 0..1 */
  readonly maxEjectedFraction: number;
  /** How often a healthy endpoint's ejection multiplier decays by one (Envoy `interval`). */
  readonly intervalMs: number;
  /** A passing active health check returns an ejected endpoint (Envoy successful_active_health_check_uneject_host). */
  readonly unejectOnHealthCheck: boolean;
}

/** A request's class under pressure: sheddable goes first, critical last (SRE criticality). */
export type Priority = 'critical' | 'default' | 'sheddable';

/** Envoy's gradient controller: the limit follows measured latency against a periodically re-measured min RTT. */
export interface AdaptiveConcurrencySpec {
  readonly kind: 'adaptive';
  readonly initialLimit: number;
  readonly minLimit: number;
  readonly maxLimit: number;
  /** Latency above min RTT tolerated before the limit shrinks, as a fraction of min RTT (Envoy 25 %). */
  readonly buffer: number;
  /** How often the limit is recomputed from the window's median latency. */
  readonly sampleIntervalMs: number;
  /** How often min RTT is re-measured, with the limit pinned to `minLimit` meanwhile (Envoy min_rtt_calc). */
  readonly minRttIntervalMs: number;
  readonly minRttSamples: number;
}

export type ConcurrencySpec =
  { readonly kind: 'fixed'; readonly maxInFlight: number } | AdaptiveConcurrencySpec;

/** HAProxy's maxconn queue: requests over the pool's limit wait here, in priority order. */
export interface QueueSpec {
  readonly maxLength: number;
  readonly timeoutMs: number;
}

/** SRE client-side throttling: P(reject) = max(0, (requests − k·accepts) / (requests + 1)) over `windowMs`. */
export interface UpstreamThrottleSpec {
  readonly k: number;
  readonly windowMs: number;
}

export interface PoolSpec {
  readonly balancer: BalancerKind;
  readonly hashKey?: HashKey | undefined;
  readonly endpoints: readonly EndpointSpec[];
  readonly healthCheck?: HealthCheckSpec | undefined;
  readonly outlierDetection: OutlierDetectionSpec;
  /** 0..1: below this healthy share the pool fails over, or else panics and uses every endpoint. */
  readonly panicThreshold: number;
  readonly failover?: string | undefined;
  /** Upstream connections per endpoint. */
  readonly maxConnectionsPerEndpoint: number;
  /** Idle keep-alive socket lifetime; kept below the upstream's own Keep-Alive hint by undici. */
  readonly keepAliveTimeoutMs: number;
  /** An upstream answer's header block; more fails the attempt (undefined: node's 16 KiB). */
  readonly maxResponseHeaderBytes?: number | undefined;
  /** Envoy slow start: a new or recovered endpoint's weight ramps up over this window; 0 is off. */
  readonly slowStartMs: number;
  /** Requests in flight across the pool; undefined means no pool limit. */
  readonly concurrency?: ConcurrencySpec | undefined;
  readonly queue: QueueSpec;
  /** Requests in flight per endpoint (HAProxy server maxconn); undefined means no cap. */
  readonly endpointMaxInFlight?: number | undefined;
  readonly upstreamThrottle?: UpstreamThrottleSpec | undefined;
  /** An upstream's 429/503 `Retry-After` takes its endpoint out of rotation for that long, at most this. */
  readonly maxCoolDownMs: number;
  /**
   * The answers (429, 503) that mean the upstream as a whole is overloaded: only they count as refusals for
   * `upstreamThrottle` and cool an endpoint down. Others (a per-key quota 429) are accepted work.
   */
  readonly overloadStatuses: readonly number[];
  /** For the pool's https endpoints; undefined: the system CAs, the endpoint's host, verified, no client cert. */
  readonly tls?: UpstreamTlsSpec | undefined;
}

/** `first-byte-timeout`: the attempt's `first_byte` timer fired (Envoy's per-try timeout). */
export type RetryCondition =
  'connect-failure' | 'refused' | 'reset-before-response' | 'first-byte-timeout' | number;

export interface RetrySpec {
  /** Total attempts including the first; 1 disables retries. */
  readonly attempts: number;
  readonly on: readonly RetryCondition[];
  /** Status-based retries of POST/PATCH/other non-idempotent methods need this opt-in. */
  readonly retryNonIdempotent: boolean;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly budget: { readonly ratio: number; readonly minPerSecond: number; readonly ttlMs: number };
}

/** One part of a rate-limit key: the client IP, a request header (hashed), or the route as a whole. */
export type RateKeyPart =
  { readonly from: 'ip' } | { readonly from: 'header'; readonly name: string } | { readonly from: 'route' };

/** A token bucket: `burst` tokens, refilled at `ratePerSecond`; one bucket per distinct key. */
export interface RateLimitSpec {
  /** The policy name in `RateLimit-Policy` and `RateLimit` headers. */
  readonly name: string;
  readonly key: readonly RateKeyPart[];
  readonly ratePerSecond: number;
  readonly burst: number;
}

/**
 * A route's changes to the request an upstream receives, applied after hop-by-hop removal and X-Forwarded-*.
 * `host`: the client's Host (`client`), the endpoint URL's authority (`endpoint`: no Host is passed on, so
 * undici and node write the endpoint's own), or a fixed name. TLS (SNI, certificate) always follows the
 * endpoint URL, whatever Host is sent.
 */
export interface RequestHeadersSpec {
  readonly host:
    { readonly from: 'client' | 'endpoint' } | { readonly from: 'literal'; readonly value: string };
  /** Lower-cased names, dropped whether the client sent them or the gateway added them (X-Forwarded-*). */
  readonly remove: readonly string[];
  /** Lower-cased name and value; replaces whatever the client sent, so a client cannot override it. */
  readonly set: readonly (readonly [name: string, value: string])[];
}

export interface RouteSpec {
  /** Its identity in metrics, traffic history, logs and rate-limit buckets; without one, its position. */
  readonly name?: string | undefined;
  readonly match: {
    readonly pathPrefix: string;
    readonly methods?: readonly string[] | undefined;
    /** Lower-cased header name → exact value. */
    readonly headers?: Readonly<Record<string, string>> | undefined;
  };
  readonly pool: string;
  readonly timeouts: {
    readonly connectMs: number;
    readonly firstByteMs: number;
    readonly idleMs: number;
    readonly totalMs: number;
  };
  readonly retry: RetrySpec;
  readonly maxReplayBodyBytes: number;
  /** Larger request bodies are refused with 413; undefined means no limit. */
  readonly maxBodyBytes?: number | undefined;
  readonly priority: Priority;
  /** A trusted request header whose value (critical | default | sheddable) replaces `priority`. */
  readonly priorityHeader?: string | undefined;
  readonly rateLimits: readonly RateLimitSpec[];
  /** Undefined when the route keeps the client's Host and changes no header: such requests pay nothing. */
  readonly requestHeaders?: RequestHeadersSpec | undefined;
}

/** `gateway.headers_with_underscores`: what a request header whose name holds `_` gets (Envoy's action). */
export type UnderscoredHeaderAction = 'drop' | 'allow' | 'reject';

export interface GatewaySpec {
  readonly pools: Readonly<Record<string, PoolSpec>>;
  readonly routes: readonly RouteSpec[];
  /** 'drop' when absent. */
  readonly gateway?: { readonly headersWithUnderscores?: UnderscoredHeaderAction | undefined } | undefined;
}
