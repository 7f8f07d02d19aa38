import type { EndpointAdminState, EndpointStatus, PoolMode, PoolStatus } from '../core/index.ts';
import type { EndpointOverride, EndpointOverrides } from './endpoint-overrides.ts';

/** One endpoint as the admin API shows it: live state, the weights, and any runtime override in force. */
export interface EndpointView {
  readonly id: string;
  readonly url: string;
  /** ready, draining or maintenance: what the operator (or the config) set. */
  readonly state: EndpointAdminState;
  /** Takes new requests right now: ready, healthy, not ejected and not cooling down. */
  readonly isServing: boolean;
  readonly isHealthy: boolean;
  /** Why the latest active health check failed; null when it passed, or the pool has no health_check. */
  readonly lastCheckFailure: string | null;
  readonly isEjected: boolean;
  /** Out of rotation for the time its upstream's Retry-After asked (capped by max_cool_down). */
  readonly isCoolingDown: boolean;
  /** Ejections by outlier detection since start (a reload carries the count over). */
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
  /** With gateway.workers only: the live workers, and in how many it is ejected or cooling down. */
  readonly workers?: { readonly count: number; readonly ejected: number; readonly coolingDown: number };
}

export interface PoolView {
  readonly name: string;
  readonly mode: PoolMode;
  readonly healthyShare: number;
  readonly endpoints: readonly EndpointView[];
}

/**
 * What a cluster's workers report of their own traffic: the state that only the processes serving it have
 * (requests, outlier ejections, cool-downs, and the slow-start ramps and pool modes they cause).
 */
export interface WorkersView {
  /** Workers whose reading this is. */
  readonly count: number;
  /** By `pool/endpoint`. */
  readonly endpoints: ReadonlyMap<string, WorkersEndpointReading>;
  /** By pool name: the worst worker's (its mode, the lowest healthy share), as the pool gauges of /metrics. */
  readonly pools: ReadonlyMap<string, { readonly mode: PoolMode; readonly healthyShare: number }>;
}

export interface WorkersEndpointReading {
  /** Summed over the workers. */
  readonly inFlight: number;
  readonly ejections: number;
  /** Workers that have it ejected, or out on an upstream's Retry-After. */
  readonly ejectedIn: number;
  readonly coolingDownIn: number;
  /** The lowest of the workers' effective weights; undefined when no live worker reported one. */
  readonly effectiveWeight: number | undefined;
}

/** Panic (no pool of the chain can serve) is worse than failover (another pool serves). */
const modeRank: Readonly<Record<PoolMode, number>> = { normal: 0, failover: 1, panic: 2 };

/** `workers`: when other processes carry the traffic (the cluster's workers), what they report. */
export function poolView(pool: PoolStatus, overrides: EndpointOverrides, workers?: WorkersView): PoolView {
  const byWorkers = workers?.pools.get(pool.name);
  return {
    name: pool.name,
    // A worker applies the primary's verdicts a moment after it: the worse of the two, as the gauges.
    mode: byWorkers && modeRank[byWorkers.mode] > modeRank[pool.mode] ? byWorkers.mode : pool.mode,
    healthyShare: Math.min(pool.healthyShare, byWorkers?.healthyShare ?? 1),
    endpoints: pool.endpoints.map((endpoint) => {
      const view = endpointView(endpoint, overrides.get(pool.name, endpoint.id));
      return workers ? withWorkersView(pool.name, view, workers) : view;
    }),
  };
}

/**
 * The endpoint as the workers serve it. Ejected or cooling down while any worker has it so (as the gauges);
 * serving while a worker still sends it new requests, that is unless every worker has it ejected, or every
 * one has it cooling down. The gauges do not say which worker is which: one worker ejecting it while the
 * other cools it down reads as serving.
 */
export function withWorkersView(poolName: string, view: EndpointView, workers: WorkersView): EndpointView {
  const reading = workers.endpoints.get(`${poolName}/${view.id}`);
  const ejectedIn = reading?.ejectedIn ?? 0;
  const isEjected = ejectedIn > 0;
  const coolingDownIn = reading?.coolingDownIn ?? 0;
  const isOutEverywhere = workers.count > 0 && Math.max(ejectedIn, coolingDownIn) >= workers.count;
  return {
    ...view,
    isServing: view.state === 'ready' && view.isHealthy && !isOutEverywhere,
    isEjected,
    isCoolingDown: coolingDownIn > 0,
    ejections: reading?.ejections ?? 0,
    inFlight: reading?.inFlight ?? 0,
    weight: {
      ...view.weight,
      effective:
        reading?.effectiveWeight === undefined ? view.weight.effective : roundWeight(reading.effectiveWeight),
    },
    workers: { count: workers.count, ejected: ejectedIn, coolingDown: coolingDownIn },
  };
}

export function endpointView(endpoint: EndpointStatus, override: EndpointOverride | undefined): EndpointView {
  const isCoolingDown = endpoint.coolDownRemainingMs > 0;
  return {
    id: endpoint.id,
    url: endpoint.url,
    state: endpoint.adminState,
    isServing: endpoint.adminState === 'ready' && endpoint.isHealthy && !endpoint.isEjected && !isCoolingDown,
    isHealthy: endpoint.isHealthy,
    lastCheckFailure: endpoint.lastCheckFailure ?? null,
    isEjected: endpoint.isEjected,
    isCoolingDown,
    ejections: endpoint.ejections,
    inFlight: endpoint.inFlight,
    weight: {
      configured: endpoint.configuredWeight,
      current: endpoint.weight,
      effective: roundWeight(endpoint.effectiveWeight),
    },
    slowStartRemainingMs: Math.round(endpoint.slowStartRemainingMs),
    override: override ?? null,
  };
}

/** Rounded for people and JSON; balancers keep full precision. */
function roundWeight(weight: number): number {
  return Math.round(weight * 1_000) / 1_000;
}
