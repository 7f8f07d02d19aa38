import type { Clock, EndpointStatus, Outcome, PoolMode, PoolStatus } from '../core/index.ts';
import type { Balancer, PickHint } from './balance/balancer.ts';
import { Endpoint } from './endpoint.ts';
import { ActiveChecker } from './health/active-checker.ts';
import type { Probe } from './health/http-probe.ts';
import { OutlierDetector } from './health/outlier-detector.ts';
import type { PoolSpec } from './spec.ts';

export interface PoolDeps {
  readonly clock: Clock;
  readonly balancer: Balancer;
  /** Uniform in [0, 1); spreads active checks. */
  readonly random: () => number;
  /** Replaces the default HTTP health probe (tests). */
  readonly probe?: Probe | undefined;
}

interface Membership {
  readonly version: number;
  readonly ready: readonly Endpoint[];
  readonly nonDraining: readonly Endpoint[];
}

/**
 * A named endpoint set with its health machinery. The request path reads cached membership lists;
 * the checker, the detector and drain changes bump a version that invalidates them, so a pick never
 * filters the whole pool.
 */
export class Pool {
  readonly name: string;
  readonly spec: PoolSpec;
  readonly endpoints: readonly Endpoint[];
  readonly #balancer: Balancer;
  readonly #detector: OutlierDetector;
  readonly #checker: ActiveChecker | undefined;
  readonly #listeners = new Set<() => void>();
  #version = 0;
  #membership: Membership | undefined;

  constructor(name: string, spec: PoolSpec, deps: PoolDeps) {
    this.name = name;
    this.spec = spec;
    this.#balancer = deps.balancer;
    this.endpoints = spec.endpoints.map((endpointSpec) => new Endpoint(name, endpointSpec));
    const onChange = (): void => this.#changed();
    this.#detector = new OutlierDetector(name, this.endpoints, spec.outlierDetection, {
      clock: deps.clock,
      onChange,
    });
    if (spec.healthCheck) {
      this.#checker = new ActiveChecker(name, this.endpoints, spec.healthCheck, {
        clock: deps.clock,
        random: deps.random,
        probe: deps.probe,
        onPass: (endpoint) => this.#detector.uneject(endpoint),
        onChange,
      });
    }
  }

  /** Bumped whenever health, ejection or drain changes which endpoints are eligible. */
  get version(): number {
    return this.#version;
  }

  /** Ready endpoints over non-draining ones; 0 when every endpoint drains. */
  get healthyShare(): number {
    const { ready, nonDraining } = this.#current();
    return nonDraining.length === 0 ? 0 : ready.length / nonDraining.length;
  }

  get readyEndpoints(): readonly Endpoint[] {
    return this.#current().ready;
  }

  get nonDrainingEndpoints(): readonly Endpoint[] {
    return this.#current().nonDraining;
  }

  /** Ejections the max-ejected-fraction guard refused. */
  get refusedEjections(): number {
    return this.#detector.refusedEjections;
  }

  /**
   * Chooses an endpoint this request has not tried yet, among the ready ones or, in panic, among all
   * non-draining ones. When every eligible endpoint was tried, they are offered again.
   */
  pick(hint: PickHint, tried: ReadonlySet<Endpoint>, isPanic = false): Endpoint | undefined {
    const { ready, nonDraining } = this.#current();
    const eligible = isPanic ? nonDraining : ready;
    if (eligible.length === 0) return undefined;
    if (tried.size === 0) return this.#balancer.pick(eligible, hint);
    const untried = eligible.filter((endpoint) => !tried.has(endpoint));
    return this.#balancer.pick(untried.length > 0 ? untried : eligible, hint);
  }

  recordOutcome(endpoint: Endpoint, outcome: Outcome): void {
    this.#detector.recordOutcome(endpoint, outcome);
  }

  /** The one way to change drain state at run time, so cached lists follow. */
  setDraining(endpoint: Endpoint, isDraining: boolean): void {
    if (endpoint.poolName !== this.name || endpoint.isDraining === isDraining) return;
    endpoint.isDraining = isDraining;
    this.#changed();
  }

  /** Recomputes eligibility after endpoint flags were set from outside, e.g. health inherited on reload. */
  refresh(): void {
    this.#changed();
  }

  /** Called after every eligibility change; returns an unsubscribe function. */
  watch(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Without a mode from the pool set, the pool judges itself alone: panic below its threshold. */
  status(mode: PoolMode = this.#isBelowThreshold() ? 'panic' : 'normal'): PoolStatus {
    return {
      name: this.name,
      mode,
      healthyShare: this.healthyShare,
      endpoints: this.endpoints.map((endpoint) => this.#endpointStatus(endpoint)),
    };
  }

  /** Whether this pool can serve normally: something is ready and the healthy share meets the threshold. */
  get isServiceable(): boolean {
    return this.readyEndpoints.length > 0 && !this.#isBelowThreshold();
  }

  start(): void {
    this.#checker?.start();
  }

  async stop(): Promise<void> {
    this.#detector.stop();
    await this.#checker?.stop();
  }

  #isBelowThreshold(): boolean {
    return this.healthyShare < this.spec.panicThreshold;
  }

  #changed(): void {
    this.#version += 1;
    for (const listener of this.#listeners) listener();
  }

  #current(): Membership {
    const cached = this.#membership;
    if (cached?.version === this.#version) return cached;
    const nonDraining = this.endpoints.filter((endpoint) => !endpoint.isDraining);
    const ready = nonDraining.filter((endpoint) => endpoint.isReady);
    this.#membership = { version: this.#version, ready, nonDraining };
    return this.#membership;
  }

  #endpointStatus(endpoint: Endpoint): EndpointStatus {
    return {
      id: endpoint.id,
      url: endpoint.url.href,
      weight: endpoint.weight,
      isHealthy: endpoint.isHealthy,
      isEjected: endpoint.isEjected,
      isDraining: endpoint.isDraining,
      inFlight: endpoint.inFlight,
      ejections: this.#detector.ejectionsOf(endpoint),
    };
  }
}
