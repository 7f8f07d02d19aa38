import { isIP } from 'node:net';
import type { EndpointAdminState, EndpointStatus } from '../core/index.ts';
import { SlowStartRamp } from './slow-start.ts';
import type { EndpointSpec, UpstreamTlsSpec } from './spec.ts';

/**
 * One upstream address and its live state. Membership and load live here; balancers only read them.
 * Health flags are written by the active checker and the outlier detector, never by the request path;
 * admin state and weight only through the pool, so its cached membership lists follow.
 */
export class Endpoint {
  readonly id: string;
  readonly url: URL;
  readonly poolName: string;
  readonly configuredWeight: number;
  readonly configuredState: EndpointAdminState;
  /** The weight in force: the configured one unless changed at run time. */
  weight: number;
  adminState: EndpointAdminState;
  /** Active health check verdict; true until a checker says otherwise. */
  isHealthy = true;
  /** Why the latest active check failed (a failure below the threshold too); undefined once one passes. */
  lastCheckFailure: string | undefined;
  /** Passive ejection by outlier detection; 0 when not ejected. */
  ejectedUntilMs = 0;
  /** Out of rotation until then, as its upstream asked with Retry-After on an `overload_statuses` answer; 0 when not. */
  coolingUntilMs = 0;
  /**
   * Until then no retry goes to it, as its upstream asked with Retry-After; set even when it stays in rotation
   * (the last endpoint keeps serving new requests), so a request it refused is not sent straight back.
   */
  retryAfterUntilMs = 0;
  inFlight = 0;
  /** Every connection to it is busy (max_connections_per_endpoint): a new request would wait for one. */
  isSaturated = false;
  /** Peak-EWMA latency cost in ms (Finagle); 0 means no sample yet. */
  ewmaCostMs = 0;
  ewmaStampMs = 0;
  readonly slowStart = new SlowStartRamp();
  /**
   * The TLS server name for requests to this endpoint: its own host (as in nginx's `proxy_ssl_name` default),
   * the name its certificate must carry and, unless it is an address (see Upstreams), the SNI its connections
   * send. undici otherwise takes it from each request's Host header, the client's: the upstream was asked for
   * the public name, and each request whose Host differed from the last closed the connection ("servername
   * changed"). Plain http never uses it; set there too, it spares undici deriving one per request. The pool's
   * `tls.server_name` replaces it for https (nginx's `proxy_ssl_name`), an endpoint given as an address too.
   */
  readonly serverName: string;
  /** The host the connection goes to: the URL's, without the brackets of an IPv6 literal. */
  readonly host: string;
  /** Its pool's TLS to upstreams, for requests, health checks and WebSocket upgrades alike. */
  readonly tls: UpstreamTlsSpec | undefined;

  constructor(poolName: string, spec: EndpointSpec, tls?: UpstreamTlsSpec) {
    this.poolName = poolName;
    this.url = new URL(spec.url);
    this.id = this.url.host;
    this.host = this.url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.tls = tls;
    const configuredName = this.url.protocol === 'https:' ? tls?.serverName : undefined;
    this.serverName = configuredName ?? this.host;
    this.configuredWeight = spec.weight;
    this.weight = spec.weight;
    this.configuredState = spec.drain ? 'draining' : 'ready';
    this.adminState = this.configuredState;
  }

  /** Named by an IP address (no `server_name`): its TLS connections send no SNI (RFC 6066 has none for addresses). */
  get isAddress(): boolean {
    return isIP(this.serverName) !== 0;
  }

  get isEjected(): boolean {
    return this.ejectedUntilMs > 0;
  }

  /** Takes no new requests, not even in panic: draining, or in maintenance. */
  get isDraining(): boolean {
    return this.adminState !== 'ready';
  }

  get isInMaintenance(): boolean {
    return this.adminState === 'maintenance';
  }

  get isCoolingDown(): boolean {
    return this.coolingUntilMs > 0;
  }

  /** Eligible for new requests in normal (non-panic) operation. */
  get isReady(): boolean {
    return this.isHealthy && !this.isEjected && !this.isCoolingDown && this.adminState === 'ready';
  }

  /** The weight balancers use at `nowMs`: `weight` scaled down while slow start ramps it up. */
  effectiveWeight(nowMs: number): number {
    return this.weight * this.slowStart.factor(nowMs);
  }

  /** A point-in-time view; `ejections` comes from the pool's outlier detector. */
  status(nowMs: number, ejections: number): EndpointStatus {
    return {
      id: this.id,
      url: this.url.href,
      weight: this.weight,
      configuredWeight: this.configuredWeight,
      effectiveWeight: this.effectiveWeight(nowMs),
      slowStartRemainingMs: this.slowStart.remainingMs(nowMs),
      isHealthy: this.isHealthy,
      lastCheckFailure: this.lastCheckFailure,
      isEjected: this.isEjected,
      coolDownRemainingMs: this.isCoolingDown ? Math.max(0, this.coolingUntilMs - nowMs) : 0,
      isDraining: this.isDraining,
      isInMaintenance: this.isInMaintenance,
      adminState: this.adminState,
      configuredState: this.configuredState,
      inFlight: this.inFlight,
      ejections,
    };
  }
}

/**
 * Whether `endpoint` is the only one of `endpoints` still in rotation: the others are unhealthy, ejected,
 * cooling down or draining. Outlier ejection and Retry-After cool-down both leave such an endpoint serving
 * (unless a failover pool takes the traffic): taking it out would leave the pool nothing but panic.
 */
export function isLastInRotation(endpoint: Endpoint, endpoints: Iterable<Endpoint>): boolean {
  for (const other of endpoints) if (other !== endpoint && other.isReady) return false;
  return true;
}
