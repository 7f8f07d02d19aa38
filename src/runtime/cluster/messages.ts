import type { Registry } from 'prom-client';
import type { Config } from '../../config/index.ts';
import type { EndpointAdminState, PoolStatus } from '../../core/index.ts';
import { healthVerdictsOf, type HealthVerdict } from '../../gateway/health-verdicts.ts';
import type { BucketRequest, RateDecision } from '../../gateway/overload/rate-limit-store.ts';
import type { ListenPin } from './listen-pins.ts';

/**
 * The IPC protocol between the cluster primary (control plane) and its gateway workers (data plane).
 * Sent with `serialization: 'advanced'` (structured clone), so a Config crosses as it is.
 */

/** Run-time endpoint control (admin API) that workers mirror: drain/maintenance state and weight. */
export interface EndpointControlState {
  readonly pool: string;
  readonly endpoint: string;
  readonly state: EndpointAdminState;
  readonly weight: number;
}

/** What the primary decides and every worker applies: health verdicts and endpoint control. */
export interface ControlSnapshot {
  readonly health: readonly HealthVerdict[];
  readonly control: readonly EndpointControlState[];
}

/** A worker registry's `getMetricsAsJSON()`, what prom-client's AggregatorRegistry.aggregate takes. */
export type WorkerMetrics = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

export type PrimaryMessage =
  | {
      readonly type: 'start';
      readonly slot: number;
      readonly config: Config;
      readonly snapshot: ControlSnapshot;
      /** Ports earlier workers bound for the config's port-0 listeners: a replacement keeps them. */
      readonly pins: readonly ListenPin[];
    }
  | {
      readonly type: 'reload';
      readonly reloadId: number;
      readonly config: Config;
      readonly snapshot: ControlSnapshot;
    }
  | { readonly type: 'snapshot'; readonly snapshot: ControlSnapshot }
  | { readonly type: 'metrics-request'; readonly requestId: number }
  | { readonly type: 'rate-decision'; readonly id: number; readonly decision: RateDecision }
  | { readonly type: 'drain' };

export type WorkerMessage =
  /** The worker's message handler is attached: it can take `start` now. */
  | { readonly type: 'hello' }
  | {
      readonly type: 'ready';
      readonly gatewayUrl: string;
      readonly gatewayTlsUrl: string | undefined;
      readonly pins: readonly ListenPin[];
    }
  /** It stopped accepting and finishes what it has (asked by the primary or by a SIGTERM of its own). */
  | { readonly type: 'draining' }
  | { readonly type: 'start-failed'; readonly error: string }
  | {
      readonly type: 'reloaded';
      readonly reloadId: number;
      readonly error?: string | undefined;
      readonly pins?: readonly ListenPin[] | undefined;
    }
  | { readonly type: 'metrics'; readonly requestId: number; readonly metrics: WorkerMetrics }
  /** Rate limits are decided by the primary, which holds every bucket: see RemoteRateLimitStore. */
  | { readonly type: 'rate-take'; readonly id: number; readonly requests: readonly BucketRequest[] }
  | { readonly type: 'stopped'; readonly cutOff: number };

/** The primary's view of its pools, as workers should see them. */
export function controlSnapshotOf(pools: readonly PoolStatus[]): ControlSnapshot {
  return {
    health: healthVerdictsOf(pools),
    control: pools.flatMap((pool) =>
      pool.endpoints.map((e) => ({ pool: pool.name, endpoint: e.id, state: e.adminState, weight: e.weight })),
    ),
  };
}

/** IPC carries whatever the other side sent; only objects with a string `type` are ours. */
export function isMessage<T extends { readonly type: string }>(value: unknown): value is T {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}
