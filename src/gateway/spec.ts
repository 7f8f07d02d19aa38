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

export interface HealthCheckSpec {
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly unhealthyThreshold: number;
  readonly healthyThreshold: number;
}

export interface OutlierDetectionSpec {
  readonly consecutiveFailures: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  /** 0..1 */
  readonly maxEjectedFraction: number;
  /** How often a healthy endpoint's ejection multiplier decays by one (Envoy `interval`). */
  readonly intervalMs: number;
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
  /** Envoy slow start: a new or recovered endpoint's weight ramps up over this window; 0 is off. */
  readonly slowStartMs: number;
}

export type RetryCondition = 'connect-failure' | 'refused' | 'reset-before-response' | number;

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

export interface RouteSpec {
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
}

export interface GatewaySpec {
  readonly pools: Readonly<Record<string, PoolSpec>>;
  readonly routes: readonly RouteSpec[];
}
