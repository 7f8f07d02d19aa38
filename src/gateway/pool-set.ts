import { channel } from 'node:diagnostics_channel';
import {
  channelNames,
  type Clock,
  type CoolDownEvent,
  type Outcome,
  type PoolMode,
  type PoolModeEvent,
  type PoolStatus,
} from '../core/index.ts';
import type { Balancer, PickHint } from './balance/balancer.ts';
import type { Endpoint } from './endpoint.ts';
import type { HealthProbeFactory } from './health/health-probe.ts';
import { Pool } from './pool.ts';
import type { PoolSpec } from './spec.ts';

export interface Selection {
  /** The pool that serves: the route's own, or a failover pool. */
  readonly pool: Pool;
  readonly endpoint: Endpoint;
  readonly mode: PoolMode;
}

/** How a route's pool is served right now, recomputed only when some pool's eligibility changes. */
interface Resolution {
  readonly mode: PoolMode;
  readonly serving: Pool;
}

export interface PoolSetDeps {
  readonly clock: Clock;
  /** Uniform in [0, 1); spreads active checks. */
  readonly random: () => number;
  /** A fresh balancer per pool, e.g. `(_name, spec) => createBalancer(spec.balancer, { random, nowMs })`. */
  readonly balancerFor: (poolName: string, spec: PoolSpec) => Balancer;
  /** Builds each pool's active check (the composition root's HTTP check; a script in tests). */
  readonly healthProbeFor: HealthProbeFactory;
}

const poolModeChannel = channel(channelNames.poolMode);
const coolDownChannel = channel(channelNames.coolDown);

/**
 * Every pool of one snapshot, and failover between them (Envoy priorities + panic): walk the route
 * pool's failover chain; the first pool whose healthy share meets its panic threshold serves its ready
 * endpoints. If none does, the route's own pool panics and serves every non-draining endpoint, since
 * spreading load over suspect endpoints beats overloading the few healthy ones (Envoy default 50 %).
 */
export class PoolSet {
  readonly #pools: ReadonlyMap<string, Pool>;
  readonly #resolutions = new Map<string, Resolution>();
  readonly #unwatch: (() => void)[] = [];
  /** Endpoints known to be cooling down, so their return is logged as their leaving was. */
  readonly #cooling = new Set<Endpoint>();

  constructor(pools: Iterable<Pool>) {
    this.#pools = new Map([...pools].map((pool) => [pool.name, pool]));
    for (const pool of this.#pools.values()) {
      if (pool.spec.failover !== undefined && !this.#pools.has(pool.spec.failover))
        throw new Error(`pool ${pool.name}: failover pool ${pool.spec.failover} does not exist`);
    }
    for (const pool of this.#pools.values()) {
      const onChange = (): void => {
        this.#noticeCoolDowns(pool);
        this.#resolveAll();
      };
      this.#unwatch.push(pool.watch(onChange));
    }
    this.#resolveAll();
  }

  /** Builds every pool of a snapshot, each with a fresh balancer. */
  static fromSpecs(specs: Readonly<Record<string, PoolSpec>>, deps: PoolSetDeps): PoolSet {
    const pools = Object.entries(specs).map(([name, spec]) => {
      const balancer = deps.balancerFor(name, spec);
      const { clock, random, healthProbeFor } = deps;
      return new Pool(name, spec, { clock, random, balancer, healthProbeFor });
    });
    return new PoolSet(pools);
  }

  get pools(): readonly Pool[] {
    return [...this.#pools.values()];
  }

  get(poolName: string): Pool | undefined {
    return this.#pools.get(poolName);
  }

  /** undefined when nothing can serve (unknown pool, or every endpoint draining): the proxy answers 503. */
  select(poolName: string, hint: PickHint, tried: ReadonlySet<Endpoint>): Selection | undefined {
    const resolution = this.#resolutions.get(poolName);
    if (!resolution) return undefined;
    const { serving, mode } = resolution;
    if (tried.size > 0) {
      // This request has tried every eligible endpoint here: its retry goes down the failover chain now,
      // before health checks or ejection have caught up with what the request already learned.
      const eligible = mode === 'panic' ? serving.panicEndpoints : serving.readyEndpoints;
      if (eligible.every((endpoint) => tried.has(endpoint))) {
        const spill = this.#spillOver(serving, hint, tried);
        if (spill) return spill;
      }
    }
    const endpoint = serving.pick(hint, tried, mode === 'panic');
    if (!endpoint) return undefined;
    return { pool: serving, endpoint, mode };
  }

  /** How a route's pool is served now: for overload gates, which must look at the serving pool's room. */
  resolution(poolName: string): { readonly pool: Pool; readonly mode: PoolMode } | undefined {
    const resolution = this.#resolutions.get(poolName);
    return resolution && { pool: resolution.serving, mode: resolution.mode };
  }

  /**
   * An upstream answered `status` (429/503) with Retry-After. No retry goes back to it for that long; only a
   * status in the pool's `overload_statuses` (the upstream as a whole overloaded) takes it out of rotation,
   * and the last endpoint in rotation stays: announced too, or an operator could not tell why it kept serving.
   */
  coolDown(endpoint: Endpoint, status: number, retryAfterMs: number): void {
    const pool = this.#pools.get(endpoint.poolName);
    if (!pool) return;
    const coolingUntilMs = endpoint.coolingUntilMs;
    const isKeptLast = pool.coolDown(endpoint, retryAfterMs, pool.spec.overloadStatuses.includes(status));
    const durationMs = Math.min(retryAfterMs, pool.spec.maxCoolDownMs);
    if (isKeptLast) {
      const at = { pool: pool.name, endpoint: endpoint.id };
      return this.#publishCoolDown({ ...at, isCooling: false, isKeptLast, status, retryAfterMs, durationMs });
    }
    if (endpoint.coolingUntilMs <= coolingUntilMs) return;
    this.#cooling.add(endpoint);
    this.#publishCoolDown({
      pool: pool.name,
      endpoint: endpoint.id,
      isCooling: true,
      status,
      retryAfterMs,
      durationMs,
    });
  }

  /**
   * Notices cool-downs that ended (the pool's timer), and ones a reload carried over from the previous
   * config (continueFrom), whose start that config logged.
   */
  #noticeCoolDowns(pool: Pool): void {
    for (const endpoint of pool.endpoints) {
      if (endpoint.isCoolingDown) this.#cooling.add(endpoint);
      else if (this.#cooling.delete(endpoint)) {
        const event = { pool: pool.name, endpoint: endpoint.id, isCooling: false, status: 0 };
        this.#publishCoolDown({ ...event, retryAfterMs: 0, durationMs: 0 });
      }
    }
  }

  #publishCoolDown(event: CoolDownEvent): void {
    if (coolDownChannel.hasSubscribers) coolDownChannel.publish(event);
  }

  /** The first pool down `from`'s failover chain with a ready endpoint this request has not tried. */
  #spillOver(from: Pool, hint: PickHint, tried: ReadonlySet<Endpoint>): Selection | undefined {
    const visited = new Set([from.name]);
    for (let name = from.spec.failover; name !== undefined && !visited.has(name);) {
      visited.add(name);
      const pool = this.#pools.get(name);
      if (!pool) return undefined;
      if (pool.readyEndpoints.some((endpoint) => !tried.has(endpoint))) {
        const endpoint = pool.pick(hint, tried);
        if (!endpoint) return undefined;
        return { pool, endpoint, mode: 'failover' };
      }
      name = pool.spec.failover;
    }
    return undefined;
  }

  /** Routes an attempt's outcome to the outlier detector of the endpoint's pool. */
  recordOutcome(endpoint: Endpoint, outcome: Outcome): void {
    this.#pools.get(endpoint.poolName)?.recordOutcome(endpoint, outcome);
  }

  status(): PoolStatus[] {
    return [...this.#pools.values()].map((pool) => pool.status(this.#resolutions.get(pool.name)?.mode));
  }

  start(): void {
    for (const pool of this.#pools.values()) pool.start();
  }

  /** A reload replaced these pools: see Pool.retire. */
  retire(): void {
    for (const pool of this.#pools.values()) pool.retire();
  }

  async stop(): Promise<void> {
    for (const unwatch of this.#unwatch.splice(0)) unwatch();
    await Promise.all([...this.#pools.values()].map((pool) => pool.stop()));
  }

  /** Pools are few and changes rare (a health or ejection flip), so every head is re-resolved. */
  #resolveAll(): void {
    for (const head of this.#pools.values()) {
      const next = this.#resolve(head);
      const previous = this.#resolutions.get(head.name);
      this.#resolutions.set(head.name, next);
      // 'normal' is the baseline a new snapshot starts from: only departures from it are news.
      const isInitialNormal = previous === undefined && next.mode === 'normal';
      if (isInitialNormal || (previous?.mode === next.mode && previous.serving === next.serving)) continue;
      this.#publish({
        pool: head.name,
        mode: next.mode,
        healthyShare: head.healthyShare,
        ...(next.mode === 'failover' ? { failoverTo: next.serving.name } : {}),
      });
    }
  }

  #resolve(head: Pool): Resolution {
    const visited = new Set<Pool>();
    // A failover cycle (a → b → a) ends the walk instead of looping.
    for (let pool: Pool | undefined = head; pool && !visited.has(pool); pool = this.#next(pool)) {
      visited.add(pool);
      if (pool.isServiceable) return { mode: pool === head ? 'normal' : 'failover', serving: pool };
    }
    return { mode: 'panic', serving: head };
  }

  #next(pool: Pool): Pool | undefined {
    return pool.spec.failover === undefined ? undefined : this.#pools.get(pool.spec.failover);
  }

  #publish(event: PoolModeEvent): void {
    if (poolModeChannel.hasSubscribers) poolModeChannel.publish(event);
  }
}
