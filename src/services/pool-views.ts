import type { EndpointAdminState, EndpointStatus, PoolMode, PoolStatus } from '../core/index.ts';
import type { EndpointOverride, EndpointOverrides } from './endpoint-overrides.ts';

/** One endpoint as the admin API shows it: live state, the weights, and any runtime override in force. */
export interface EndpointView {
  readonly id: string;
  readonly url: string;
  /** ready, draining or maintenance: what the operator (or the config) set. */
  readonly state: EndpointAdminState;
  /** Takes new requests right now: ready, healthy and not ejected. */
  readonly isServing: boolean;
  readonly isHealthy: boolean;
  readonly isEjected: boolean;
  /** Ejections by outlier detection since this config went live. */
  readonly ejections: number;
  readonly inFlight: number;
  readonly weight: {
    readonly configured: number;
    /** Configured, or set at run time. */
    readonly current: number;
    /** What the balancer uses now: current scaled by the slow-start ramp. */
    readonly effective: number;
  };
  readonly slowStartRemainingMs: number;
  /** What differs from the config because an operator changed it; survives reloads. null when nothing. */
  readonly override: EndpointOverride | null;
}

export interface PoolView {
  readonly name: string;
  readonly mode: PoolMode;
  readonly healthyShare: number;
  readonly endpoints: readonly EndpointView[];
}

/** `inFlight`: per `pool/endpoint`, when other processes hold the requests (the cluster's workers). */
export function poolView(
  pool: PoolStatus,
  overrides: EndpointOverrides,
  inFlight?: ReadonlyMap<string, number>,
): PoolView {
  return {
    name: pool.name,
    mode: pool.mode,
    healthyShare: pool.healthyShare,
    endpoints: pool.endpoints.map((endpoint) => {
      const view = endpointView(endpoint, overrides.get(pool.name, endpoint.id));
      return inFlight ? { ...view, inFlight: inFlight.get(`${pool.name}/${endpoint.id}`) ?? 0 } : view;
    }),
  };
}

export function endpointView(endpoint: EndpointStatus, override: EndpointOverride | undefined): EndpointView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    state: endpoint.adminState,
    isServing: endpoint.adminState === 'ready' && endpoint.isHealthy && !endpoint.isEjected,
    isHealthy: endpoint.isHealthy,
    isEjected: endpoint.isEjected,
    ejections: endpoint.ejections,
    inFlight: endpoint.inFlight,
    weight: {
      configured: endpoint.configuredWeight,
      current: endpoint.weight,
      // Rounded for people and JSON; balancers keep full precision.
      effective: Math.round(endpoint.effectiveWeight * 1_000) / 1_000,
    },
    slowStartRemainingMs: Math.round(endpoint.slowStartRemainingMs),
    override: override ?? null,
  };
}
