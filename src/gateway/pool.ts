import { channel } from 'node:diagnostics_channel';
import {
  channelNames,
  type Clock,
  type EndpointAdminState,
  type EndpointControlEvent,
  type Outcome,
  type PoolMode,
  type PoolStatus,
} from '../core/index.ts';
import type { Balancer, PickHint } from './balance/balancer.ts';
import { Endpoint, isLastInRotation } from './endpoint.ts';
import { ActiveChecker } from './health/active-checker.ts';
import type { HealthProbe, HealthProbeFactory } from './health/health-probe.ts';
import { OutlierDetector } from './health/outlier-detector.ts';
import { pausedInMaintenance } from './maintenance-probe.ts';
import { UpstreamThrottle } from './overload/upstream-throttle.ts';
import type { PoolSpec } from './spec.ts';

export interface PoolDeps {
  readonly clock: Clock;
  readonly balancer: Balancer;
  /** Uniform in [0, 1); spreads active checks. */
  readonly random: () => number;
  /** Builds the active check when the pool has a `health_check`; the pool closes it on stop. */
  readonly healthProbeFor: HealthProbeFactory;
}

const endpointControlChannel = channel(channelNames.endpointControl);

interface Membership {
  readonly version: number;
  readonly ready: readonly Endpoint[];
  readonly nonDraining: readonly Endpoint[];
  /** What panic serves: non-draining endpoints except those cooling down at their upstream's request. */
  readonly panic: readonly Endpoint[];
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
  readonly #healthProbe: HealthProbe | undefined;
  readonly #clock: Clock;
  readonly #listeners = new Set<() => void>();
  /** Endpoints ready as of the last change, so one that comes back can start its slow-start ramp. */
  readonly #wasReady: Set<Endpoint>;
  /** Client-side throttling (SRE), when the pool is configured for it. */
  readonly throttle: UpstreamThrottle | undefined;
  readonly #coolDownTimers = new Map<Endpoint, () => void>();
  /** Until when a last endpoint's refused cool-down was reported: once per Retry-After, not per request. */
  readonly #keptLastUntilMs = new Map<Endpoint, number>();
  #version = 0;
  #membership: Membership | undefined;

  constructor(name: string, spec: PoolSpec, deps: PoolDeps) {
    this.name = name;
    this.spec = spec;
    this.#balancer = deps.balancer;
    this.#clock = deps.clock;
    this.endpoints = spec.endpoints.map((endpointSpec) => new Endpoint(name, endpointSpec, spec.tls));
    this.throttle =
      spec.upstreamThrottle &&
      new UpstreamThrottle(spec.upstreamThrottle, deps.clock.nowMs(), spec.overloadStatuses);
    // Endpoints ready at start do not ramp: when all are new, slow start only slows everyone (Envoy, HAProxy).
    this.#wasReady = new Set(this.endpoints.filter((endpoint) => endpoint.isReady));
    const onChange = (): void => this.#changed();
    this.#detector = new OutlierDetector(name, this.endpoints, spec.outlierDetection, {
      clock: deps.clock,
      onChange,
      mayEjectAll: spec.failover !== undefined,
    });
    if (spec.healthCheck) {
      this.#healthProbe = deps.healthProbeFor(spec.healthCheck);
      // Off when the check cannot see what traffic sees (an LLM's /healthz passes while its GPU answers 500):
      // returned at each passing check, an ejected endpoint failed again about once a second, never staying out.
      const isUnejectedByCheck = spec.outlierDetection.unejectOnHealthCheck;
      this.#checker = new ActiveChecker(name, this.endpoints, spec.healthCheck, {
        clock: deps.clock,
        random: deps.random,
        probe: pausedInMaintenance(this.#healthProbe.probe),
        // A paused check "passes" with the standing verdict; that must not return an ejected endpoint.
        onPass: (endpoint) => {
          if (isUnejectedByCheck && !endpoint.isInMaintenance) this.#detector.uneject(endpoint);
        },
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

  /** What the pool serves in panic: non-draining endpoints not cooling down. */
  get panicEndpoints(): readonly Endpoint[] {
    return this.#current().panic;
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
    const { ready, panic } = this.#current();
    let eligible = isPanic ? panic : ready;
    const cap = this.spec.endpointMaxInFlight;
    // HAProxy's server maxconn: a full endpoint takes nothing more; the pool's queue holds the overflow.
    if (cap !== undefined && eligible.some((endpoint) => endpoint.inFlight >= cap))
      eligible = eligible.filter((endpoint) => endpoint.inFlight < cap);
    if (eligible.length === 0) return undefined;
    if (tried.size === 0) return this.#balancer.pick(eligible, hint);
    // A retry never goes where a Retry-After is in force: the last endpoint in rotation keeps serving new
    // requests, but sending it back the request it just refused only multiplies the load it asked to shed.
    const nowMs = this.#clock.nowMs();
    // Nor does it wait for a connection: it was refused once already, or it was saturation that refused it.
    const open = eligible.filter((endpoint) => endpoint.retryAfterUntilMs <= nowMs && !endpoint.isSaturated);
    const untried = open.filter((endpoint) => !tried.has(endpoint));
    const choices = untried.length > 0 ? untried : open;
    return choices.length > 0 ? this.#balancer.pick(choices, hint) : undefined;
  }

  /** Free places below `endpoint_max_in_flight` on the endpoints the pool would serve from; Infinity uncapped. */
  endpointRoom(isPanic = false): number {
    const cap = this.spec.endpointMaxInFlight;
    if (cap === undefined) return Number.POSITIVE_INFINITY;
    const { ready, panic } = this.#current();
    let room = 0;
    for (const endpoint of isPanic ? panic : ready) room += Math.max(0, cap - endpoint.inFlight);
    return room;
  }

  recordOutcome(endpoint: Endpoint, outcome: Outcome): void {
    this.#detector.recordOutcome(endpoint, outcome);
    // SRE requests and accepts, counted together once the attempt's outcome is known: a request still in
    // flight (a long stream) or one its client abandoned says nothing about the upstream, and counted
    // before its answer it made a healthy pool look as if it refused (7 of 10 concurrent slow requests).
    this.throttle?.recordOutcome(outcome, this.#clock.nowMs());
  }

  /**
   * The upstream answered 429/503 with Retry-After: it leaves rotation for that long (capped by
   * `max_cool_down`) and comes back by itself; a later, longer request extends the cool-down. The last
   * endpoint in rotation stays, unless a failover pool takes the traffic (LiteLLM does not cool a single
   * deployment): a 429 may be about one client's quota, and would otherwise refuse every client.
   * `isOverload` false (a status not in `overload_statuses`): only this request's retries keep away.
   * True when the last endpoint stayed, the first time within the (capped) Retry-After it sent, so the
   * refusal can be reported once rather than on every request it keeps serving.
   */
  coolDown(endpoint: Endpoint, durationMs: number, isOverload = true): boolean {
    if (endpoint.poolName !== this.name || durationMs <= 0) return false;
    const nowMs = this.#clock.nowMs();
    endpoint.retryAfterUntilMs = Math.max(endpoint.retryAfterUntilMs, nowMs + durationMs);
    if (!isOverload) return false;
    const cappedMs = Math.min(durationMs, this.spec.maxCoolDownMs);
    if (cappedMs <= 0) return false;
    this.throttle?.recordRetryAfter(nowMs + cappedMs);
    if (this.spec.failover === undefined && isLastInRotation(endpoint, this.endpoints)) {
      if (nowMs < (this.#keptLastUntilMs.get(endpoint) ?? 0)) return false;
      this.#keptLastUntilMs.set(endpoint, nowMs + cappedMs);
      return true;
    }
    if (nowMs + cappedMs <= endpoint.coolingUntilMs) return false;
    this.#coolUntil(endpoint, nowMs + cappedMs, nowMs);
    this.#changed();
    return false;
  }

  #coolUntil(endpoint: Endpoint, untilMs: number, nowMs: number): void {
    this.#coolDownTimers.get(endpoint)?.();
    endpoint.coolingUntilMs = untilMs;
    this.#coolDownTimers.set(
      endpoint,
      this.#clock.setTimer(untilMs - nowMs, () => {
        this.#coolDownTimers.delete(endpoint);
        endpoint.coolingUntilMs = 0;
        this.#changed();
      }),
    );
  }

  setDraining(endpoint: Endpoint, isDraining: boolean): void {
    if (endpoint.isDraining !== isDraining) this.setAdminState(endpoint, isDraining ? 'draining' : 'ready');
  }

  /** The one way to change admin state at run time, so cached lists follow. */
  setAdminState(endpoint: Endpoint, state: EndpointAdminState): void {
    if (endpoint.poolName !== this.name || endpoint.adminState === state) return;
    endpoint.adminState = state;
    this.#publishControl(endpoint);
    this.#changed();
  }

  /** Balancers read the new weight from their next pick on; membership does not change. */
  setWeight(endpoint: Endpoint, weight: number): void {
    // Balancers divide by weight: 0, negative or NaN would break every pick in the pool.
    if (!(weight > 0 && Number.isFinite(weight))) throw new RangeError(`weight must be > 0, got ${weight}`);
    if (endpoint.poolName !== this.name || endpoint.weight === weight) return;
    endpoint.weight = weight;
    this.#publishControl(endpoint);
  }

  /** Endpoints are addressed by id (host:port) from outside; two entries may share an address. */
  endpointsWithId(endpointId: string): readonly Endpoint[] {
    return this.endpoints.filter((endpoint) => endpoint.id === endpointId);
  }

  /**
   * After a reload: endpoints new to this pool ramp up, as the endpoints already serving take the load
   * (HAProxy and Envoy ramp joiners); endpoints carried over keep a ramp, an ejection (with its outlier
   * history) and a cool-down that are under way.
   */
  continueFrom(previous: Pool): void {
    const nowMs = this.#clock.nowMs();
    for (const endpoint of this.endpoints) {
      const before = previous.endpointsWithId(endpoint.id)[0];
      if (!before) {
        endpoint.slowStart.begin(nowMs, this.spec.slowStartMs);
        continue;
      }
      endpoint.slowStart.continueFrom(before.slowStart, nowMs, this.spec.slowStartMs);
      this.#detector.continueFrom(endpoint, previous.#detector, before);
      if (before.coolingUntilMs > nowMs) this.#coolUntil(endpoint, before.coolingUntilMs, nowMs);
      endpoint.retryAfterUntilMs = before.retryAfterUntilMs;
    }
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
    const nowMs = this.#clock.nowMs();
    return {
      name: this.name,
      mode,
      healthyShare: this.healthyShare,
      endpoints: this.endpoints.map((endpoint) =>
        endpoint.status(nowMs, this.#detector.ejectionsOf(endpoint)),
      ),
    };
  }

  /** Whether this pool can serve normally: something is ready and the healthy share meets the threshold. */
  get isServiceable(): boolean {
    return this.readyEndpoints.length > 0 && !this.#isBelowThreshold();
  }

  start(): void {
    this.#checker?.start();
  }

  /**
   * A reload replaced this pool: the new one carries verdicts, ejections and cool-downs on (continueFrom), so
   * this one's checks, ejections and timers stop now. Left running while its last requests finished, they
   * logged and counted a second return from every ejection, and ejections no serving pool made.
   */
  retire(): void {
    for (const cancel of this.#coolDownTimers.values()) cancel();
    this.#coolDownTimers.clear();
    this.#detector.stop();
    this.#checker?.stop();
  }

  async stop(): Promise<void> {
    this.retire();
    await this.#healthProbe?.close();
  }

  #isBelowThreshold(): boolean {
    return this.healthyShare < this.spec.panicThreshold;
  }

  #changed(): void {
    this.#version += 1;
    if (this.spec.slowStartMs > 0) this.#rampReturning();
    for (const listener of this.#listeners) listener();
  }

  /** An endpoint back in rotation (healthy again, returned from ejection, set ready) ramps up from 10 %. */
  #rampReturning(): void {
    const nowMs = this.#clock.nowMs();
    for (const endpoint of this.endpoints) {
      const isReady = endpoint.isReady;
      if (isReady && !this.#wasReady.has(endpoint)) endpoint.slowStart.begin(nowMs, this.spec.slowStartMs);
      if (isReady) this.#wasReady.add(endpoint);
      else this.#wasReady.delete(endpoint);
    }
  }

  #publishControl(endpoint: Endpoint): void {
    if (!endpointControlChannel.hasSubscribers) return;
    const { poolName: pool, id, adminState: state, weight } = endpoint;
    const event: EndpointControlEvent = { pool, endpoint: id, state, weight };
    endpointControlChannel.publish(event);
  }

  #current(): Membership {
    const cached = this.#membership;
    if (cached?.version === this.#version) return cached;
    const nonDraining = this.endpoints.filter((endpoint) => !endpoint.isDraining);
    const ready = nonDraining.filter((endpoint) => endpoint.isReady);
    const panic = nonDraining.filter((endpoint) => !endpoint.isCoolingDown);
    this.#membership = { version: this.#version, ready, nonDraining, panic };
    return this.#membership;
  }
}
