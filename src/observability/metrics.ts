import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { collectDefaultMetrics, Registry } from 'prom-client';
import {
  channelNames,
  type AttemptEvent,
  type CoolDownEvent,
  type EjectionEvent,
  type HealthEvent,
  type PoolModeEvent,
  type RequestEvent,
  type RetryEvent,
} from '../core/index.ts';
import { createGatewaySeries, type GatewaySeries } from './gateway-series.ts';
import { outcomeLabel, statusClassLabel } from './labels.ts';
import { registerOverloadGauges, registerPoolGauges, type PoolStatusReader } from './pool-gauges.ts';

export interface GatewayMetricsOptions {
  /** Read at every scrape; after a reload it must return the new graph's pools. Omit for no pool gauges. */
  readonly poolStatus?: PoolStatusReader | undefined;
  /**
   * A cluster worker's own pools, for the overload gauges only (its gates, queues, throttles and cool-downs
   * are its own; the primary's pool gauges describe health). Summed or averaged across workers.
   */
  readonly overloadStatus?: PoolStatusReader | undefined;
  /**
   * Node process metrics (CPU, memory, event loop, GC), default on. prom-client leaves a GC observer and an
   * event-loop monitor running for the life of the process, so only one instance per process should enable it.
   */
  readonly processMetrics?: boolean | undefined;
}

/**
 * Turns the gateway's diagnostics_channel events into Prometheus metrics in a registry of its own (several
 * Bulwarks may share a test process). Handlers only bump plain numbers; prom-client reads them at scrape.
 * Create one per process lifetime, not per reload, so counters survive config reloads.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #series: GatewaySeries;
  readonly #subscriptions: [name: string, handler: (message: unknown) => void][] = [];
  readonly #textSeries: (() => string)[] = [];

  constructor(options: GatewayMetricsOptions = {}) {
    this.#series = createGatewaySeries(this.registry);
    if (options.poolStatus) registerPoolGauges(this.registry, options.poolStatus);
    if (options.overloadStatus) registerOverloadGauges(this.registry, options.overloadStatus);
    if (options.processMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'bulwark_' });

    this.#listen(channelNames.request, this.#onRequest);
    this.#listen(channelNames.attempt, this.#onAttempt);
    this.#listen(channelNames.retry, this.#onRetry);
    this.#listen(channelNames.health, this.#onHealth);
    this.#listen(channelNames.ejection, this.#onEjection);
    this.#listen(channelNames.poolMode, this.#onPoolMode);
    this.#listen(channelNames.coolDown, this.#onCoolDown);
  }

  /** The Content-Type that goes with metricsText(). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Prometheus text exposition of every metric in this instance's registry, then the text series. */
  async metricsText(): Promise<string> {
    const text = await this.registry.metrics();
    return this.#textSeries.length === 0 ? text : `${text}\n${this.textSeries()}`;
  }

  /**
   * Families rendered straight to exposition text at every scrape and served after the registry's: for one
   * series per monitor, which as prom-client children cost ~200 ms a scrape at 10,000 monitors (ADR 7).
   * `render` returns whole families (HELP, TYPE, samples), each line ending in a line feed.
   */
  addTextSeries(render: () => string): void {
    this.#textSeries.push(render);
  }

  /** The text series alone, for a cluster primary that serves its registry merged with the workers'. */
  textSeries(): string {
    return this.#textSeries.map((render) => render()).join('\n');
  }

  /** Stops listening to the gateway; the registry keeps its values and can still be scraped. */
  close(): void {
    for (const [name, handler] of this.#subscriptions.splice(0)) unsubscribe(name, handler);
  }

  #listen(name: string, handler: (message: unknown) => void): void {
    subscribe(name, handler);
    this.#subscriptions.push([name, handler]);
  }

  // Handlers must never throw: diagnostics_channel rethrows a subscriber's error as an uncaught exception.
  readonly #onRequest = (message: unknown): void => {
    const event = message as RequestEvent;
    const series = this.#series.requests.get(event.route).get(event.pool);
    series.byEndpoint.get(event.endpoint).get(statusClassLabel(event.status)).inc();
    series.durationSeconds.observe(event.durationMs / 1000);
    if (event.errorCode !== undefined)
      this.#series.gatewayErrors.get(event.errorCode).get(event.route).get(event.pool).inc();
  };

  readonly #onAttempt = (message: unknown): void => {
    const event = message as AttemptEvent;
    this.#series.attempts.get(event.pool).get(event.endpoint).get(outcomeLabel(event.outcome)).inc();
  };

  readonly #onRetry = (message: unknown): void => {
    const event = message as RetryEvent;
    this.#series.retries.get(event.route).get(event.pool).get(event.decision).get(event.cause).inc();
  };

  readonly #onHealth = (message: unknown): void => {
    const event = message as HealthEvent;
    this.#series.healthTransitions.get(event.pool).get(event.endpoint).get(event.isHealthy).inc();
  };

  readonly #onEjection = (message: unknown): void => {
    const event = message as EjectionEvent;
    // Returns to service show in the endpoint_ejected gauge; this counter counts ejections only.
    if (event.isEjected) this.#series.ejections.get(event.pool).get(event.endpoint).inc();
  };

  readonly #onCoolDown = (message: unknown): void => {
    const event = message as CoolDownEvent;
    // Returns show in the endpoint_cooling_down gauge; cool_downs counts departures and extensions only, so an
    // alert on it means traffic left an endpoint. Refusals to cool the last one (as logged: once per
    // Retry-After period) have their own counter.
    if (event.isCooling) this.#series.coolDowns.get(event.pool).get(event.endpoint).inc();
    else if (event.isKeptLast) this.#series.keptLast.get(event.pool).get(event.endpoint).inc();
  };

  readonly #onPoolMode = (message: unknown): void => {
    const event = message as PoolModeEvent;
    this.#series.poolModeChanges.get(event.pool).get(event.mode).inc();
  };
}
