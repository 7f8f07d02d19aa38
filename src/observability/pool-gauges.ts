import { Counter, Gauge, type Registry } from 'prom-client';
import type { EndpointStatus, OverloadStatus, PoolStatus } from '../core/index.ts';

/** Returns the live pools; called at every scrape, so after a reload it must read the new graph. */
export type PoolStatusReader = () => readonly PoolStatus[];

/** Gauges that describe the present state, read from the gateway at scrape time instead of tracked by events. */
export function registerPoolGauges(registry: Registry, readPools: PoolStatusReader): void {
  // What the primary decides and workers only mirror: a cluster's primary alone reports these.
  const endpoint = (name: string, help: string, valueOf: (e: EndpointStatus) => number): void =>
    endpointGauge(registry, readPools, name, help, valueOf);
  endpoint('bulwark_gateway_endpoint_healthy', '1 when the active health check passes.', (e) =>
    Number(e.isHealthy),
  );
  endpoint('bulwark_gateway_endpoint_draining', '1 while the endpoint takes no new requests.', (e) =>
    Number(e.isDraining),
  );
  endpoint(
    'bulwark_gateway_endpoint_maintenance',
    '1 while the endpoint is in maintenance (checks paused).',
    (e) => Number(e.isInMaintenance),
  );
  registerDataPlaneGauges(registry, readPools);
  registerOverloadGauges(registry, readPools);
}

/**
 * Gauges that depend on what each process's traffic did (ejections, cool-downs, the slow-start ramps they
 * start, and the pool modes that follow). A cluster's workers register them too; the primary combines the
 * worst case: ejected or in panic/failover in any worker, the lowest weight and healthy share.
 */
export function registerDataPlaneGauges(registry: Registry, readPools: PoolStatusReader): void {
  const endpoint = (
    name: string,
    help: string,
    valueOf: (e: EndpointStatus) => number,
    aggregator: Aggregator,
  ): void => endpointGauge(registry, readPools, name, help, valueOf, aggregator);
  const pool = (
    name: string,
    help: string,
    valueOf: (p: PoolStatus) => number,
    aggregator: Aggregator,
  ): void => poolGauge(registry, readPools, name, help, valueOf, aggregator);

  endpoint(
    'bulwark_gateway_endpoint_ejected',
    '1 while outlier detection has ejected the endpoint.',
    (e) => Number(e.isEjected),
    'max',
  );
  endpoint(
    'bulwark_gateway_endpoint_weight',
    'Weight the balancer uses now: configured or set at run time, scaled by the slow-start ramp.',
    (e) => e.effectiveWeight,
    'min',
  );
  registerEndpointInFlightGauge(registry, readPools);
  pool(
    'bulwark_gateway_pool_healthy_share',
    'Share (0..1) of the pool that can take traffic.',
    (p) => p.healthyShare,
    'min',
  );
  pool(
    'bulwark_gateway_pool_panic',
    '1 while the pool is in panic mode and uses every endpoint.',
    (p) => Number(p.mode === 'panic'),
    'max',
  );
  pool(
    'bulwark_gateway_pool_failover',
    '1 while the pool sends its traffic to its failover pool.',
    (p) => Number(p.mode === 'failover'),
    'max',
  );
}

type Aggregator = 'sum' | 'average' | 'min' | 'max';

/**
 * Pools with a concurrency gate or client-side throttling only; the others have nothing to report. A
 * cluster's workers each register these for their own gates; `aggregator` says how the primary combines them.
 */
export function registerOverloadGauges(registry: Registry, readPools: PoolStatusReader): void {
  new Gauge({
    name: 'bulwark_gateway_endpoint_cooling_down',
    help: '1 while the endpoint is out of rotation because its upstream answered 429/503 with Retry-After.',
    labelNames: ['pool', 'endpoint'],
    registers: [registry],
    aggregator: 'max',
    collect() {
      this.reset();
      for (const p of readPools())
        for (const e of p.endpoints)
          this.set({ pool: p.name, endpoint: e.id }, Number(e.coolDownRemainingMs > 0));
    },
  });
  const overload = (
    name: string,
    help: string,
    valueOf: (o: OverloadStatus) => number | undefined,
    aggregator: Aggregator = 'sum',
  ): void =>
    void new Gauge({
      name,
      help,
      labelNames: ['pool'],
      registers: [registry],
      aggregator,
      collect() {
        this.reset();
        for (const p of readPools()) {
          const value = p.overload && valueOf(p.overload);
          if (value !== undefined) this.set({ pool: p.name }, value);
        }
      },
    });
  overload(
    'bulwark_gateway_pool_concurrency_limit',
    'Requests the pool may have in flight now: the fixed limit, or what adaptive concurrency measured.',
    (o) => o.limit,
  );
  overload(
    'bulwark_gateway_pool_admitted_in_flight',
    'Requests admitted by the pool’s gate and not finished.',
    (o) => o.inFlight,
  );
  overload('bulwark_gateway_pool_queue_length', 'Requests waiting in the pool’s queue.', (o) => o.queued);
  overload(
    'bulwark_gateway_pool_min_rtt_seconds',
    'Adaptive concurrency: the last measured minimum latency of the pool.',
    (o) => (o.minRttMs === undefined ? undefined : o.minRttMs / 1_000),
    'average',
  );
  overload(
    'bulwark_gateway_pool_throttle_probability',
    'Client-side throttling: the share (0..1) of requests to the pool refused locally now.',
    (o) => o.throttleProbability,
    'average',
  );
  new Counter({
    name: 'bulwark_gateway_pool_latency_samples_total',
    help: 'Adaptive concurrency: latency samples the limit was computed from (per snapshot).',
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of readPools()) {
        const samples = p.overload?.latencySamplesTotal;
        if (samples !== undefined) this.inc({ pool: p.name }, samples);
      }
    },
  });
}

/**
 * Requests in flight per endpoint. Only a cluster's workers hold requests: the primary's /metrics sums theirs
 * over its own (0), so a drained endpoint shows what it still has to finish.
 */
function registerEndpointInFlightGauge(registry: Registry, readPools: PoolStatusReader): void {
  endpointGauge(
    registry,
    readPools,
    'bulwark_gateway_endpoint_in_flight',
    'Requests in flight to the endpoint.',
    (e) => e.inFlight,
  );
}

function endpointGauge(
  registry: Registry,
  readPools: PoolStatusReader,
  name: string,
  help: string,
  valueOf: (e: EndpointStatus) => number,
  aggregator: Aggregator = 'sum',
): void {
  new Gauge({
    name,
    help,
    labelNames: ['pool', 'endpoint'],
    registers: [registry],
    aggregator,
    collect() {
      // Start empty at each scrape so endpoints removed by a reload disappear instead of going stale.
      this.reset();
      for (const p of readPools()) {
        for (const e of p.endpoints) this.set({ pool: p.name, endpoint: e.id }, valueOf(e));
      }
    },
  });
}

function poolGauge(
  registry: Registry,
  readPools: PoolStatusReader,
  name: string,
  help: string,
  valueOf: (p: PoolStatus) => number,
  aggregator: Aggregator = 'sum',
): void {
  new Gauge({
    name,
    help,
    labelNames: ['pool'],
    registers: [registry],
    aggregator,
    collect() {
      this.reset();
      for (const p of readPools()) this.set({ pool: p.name }, valueOf(p));
    },
  });
}
