import type { Registry } from 'prom-client';
import { CellMap } from './cell-map.ts';
import { HotCounter, type CounterCell } from './hot-counter.ts';
import { HotHistogram, type HistogramCell } from './hot-histogram.ts';

/** 1 ms .. 60 s: sub-ms responses are not worth a bucket; streams longer than 60 s land in +Inf. */
export const requestDurationBucketsSeconds: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** The series of one (route, pool) pair. */
export interface RequestSeries {
  readonly durationSeconds: HistogramCell;
  /** Keyed by endpoint id ('' when none was tried), then status class label (2xx …). */
  readonly byEndpoint: CellMap<string, CellMap<string, CounterCell>>;
}

type Tree2<A, B> = CellMap<A, CellMap<B, CounterCell>>;
type Tree3<A, B, C> = CellMap<A, CellMap<B, CellMap<C, CounterCell>>>;
type Tree4<A, B, C, D> = CellMap<A, CellMap<B, CellMap<C, CellMap<D, CounterCell>>>>;

/** Every event-driven series, reached by nested lookups in label order (route → pool → …). */
export interface GatewaySeries {
  /** route id (its name, its position in config, or `none`: events carry it ready to be a label) → pool */
  readonly requests: CellMap<string, CellMap<string, RequestSeries>>;
  /** pool → endpoint → outcome label */
  readonly attempts: Tree3<string, string, string>;
  /** route id → pool → decision → cause (a status code as text, or connect-failure, refused, …) */
  readonly retries: Tree4<string, string, string, string>;
  /** error code → route id → pool ('' when none served) */
  readonly gatewayErrors: Tree3<string, string, string>;
  /** pool → endpoint */
  readonly ejections: Tree2<string, string>;
  /** pool → endpoint */
  readonly coolDowns: Tree2<string, string>;
  /** pool → endpoint */
  readonly keptLast: Tree2<string, string>;
  /** pool → endpoint → isHealthy */
  readonly healthTransitions: Tree3<string, string, boolean>;
  /** pool → mode entered */
  readonly poolModeChanges: Tree2<string, string>;
}

export function createGatewaySeries(registry: Registry): GatewaySeries {
  const counter = (name: string, help: string, labelNames: readonly string[]): HotCounter =>
    new HotCounter(registry, name, help, labelNames);
  return {
    requests: requestSeries(registry),
    attempts: tree3(
      counter('bulwark_gateway_upstream_attempts_total', 'Upstream attempts by outcome.', [
        'pool',
        'endpoint',
        'outcome',
      ]),
      (pool, endpoint, outcome) => ({ pool, endpoint, outcome }),
    ),
    // The causes are bounded by the config: a route's `retry.on` statuses and four transport causes.
    retries: tree4(
      counter(
        'bulwark_gateway_retries_total',
        'Retries made (retried) or denied (the reason), by the failure that asked for them (cause).',
        ['route', 'pool', 'decision', 'cause'],
      ),
      (route, pool, decision, cause) => ({ route, pool, decision, cause }),
    ),
    // Route and pool say which limit refused; both are bounded by the config, as the code is by the source.
    gatewayErrors: tree3(
      counter(
        'bulwark_gateway_errors_total',
        'Responses the gateway produced itself, by error code, route and pool.',
        ['code', 'route', 'pool'],
      ),
      (code, route, pool) => ({ code, route, pool }),
    ),
    ejections: tree2(
      counter('bulwark_gateway_ejections_total', 'Outlier-detection ejections.', ['pool', 'endpoint']),
      (pool, endpoint) => ({ pool, endpoint }),
    ),
    coolDowns: tree2(
      counter(
        'bulwark_gateway_cool_downs_total',
        "Endpoints taken out of rotation (or kept out longer) on their upstream's Retry-After.",
        ['pool', 'endpoint'],
      ),
      (pool, endpoint) => ({ pool, endpoint }),
    ),
    keptLast: tree2(
      counter(
        'bulwark_gateway_cool_downs_kept_last_total',
        "Endpoints kept in rotation, the last one, though their upstream's Retry-After would have cooled them down.",
        ['pool', 'endpoint'],
      ),
      (pool, endpoint) => ({ pool, endpoint }),
    ),
    healthTransitions: tree3(
      counter('bulwark_gateway_health_transitions_total', 'Active health verdict changes.', [
        'pool',
        'endpoint',
        'state',
      ]),
      (pool, endpoint, isHealthy: boolean) => ({
        pool,
        endpoint,
        state: isHealthy ? 'healthy' : 'unhealthy',
      }),
    ),
    poolModeChanges: tree2(
      counter('bulwark_gateway_pool_mode_changes_total', 'Pool mode changes by the mode entered.', [
        'pool',
        'mode',
      ]),
      (pool, mode) => ({ pool, mode }),
    ),
  };
}

function requestSeries(registry: Registry): CellMap<string, CellMap<string, RequestSeries>> {
  const requests = new HotCounter(registry, 'bulwark_gateway_requests_total', 'Client requests finished.', [
    'route',
    'pool',
    'endpoint',
    'status_class',
  ]);
  const durations = new HotHistogram(
    registry,
    'bulwark_gateway_request_duration_seconds',
    'Time from request arrival to response end, retries included.',
    requestDurationBucketsSeconds,
  );
  return new CellMap(
    (route) =>
      new CellMap((pool) => ({
        durationSeconds: durations.cell({ route, pool }),
        byEndpoint: new CellMap(
          (endpoint) => new CellMap((status_class) => requests.cell({ route, pool, endpoint, status_class })),
        ),
      })),
  );
}

type Labels = Readonly<Record<string, string>>;

function tree2<A, B>(counter: HotCounter, labels: (a: A, b: B) => Labels): Tree2<A, B> {
  return new CellMap((a) => new CellMap((b) => counter.cell(labels(a, b))));
}

function tree3<A, B, C>(counter: HotCounter, labels: (a: A, b: B, c: C) => Labels): Tree3<A, B, C> {
  return new CellMap((a) => new CellMap((b) => new CellMap((c) => counter.cell(labels(a, b, c)))));
}

function tree4<A, B, C, D>(
  counter: HotCounter,
  labels: (a: A, b: B, c: C, d: D) => Labels,
): Tree4<A, B, C, D> {
  return new CellMap(
    (a) => new CellMap((b) => new CellMap((c) => new CellMap((d) => counter.cell(labels(a, b, c, d))))),
  );
}
