import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.ts';
import type { PoolStatus } from '../core/events.ts';
import { createBalancer, recordLatency } from './balance/index.ts';
import { Exchange, type ExchangeDeps, type RouteRuntime } from './exchange.ts';
import { upstreamRequestHeaders } from './headers.ts';
import { PoolSet } from './pool-set.ts';
import { hasBody, noBody, readRequestBody, type RequestBody } from './request-body.ts';
import { clientIpOf, hashKeyValueOf, requestIdOf } from './request-context.ts';
import { sendError } from './responses.ts';
import { RetryBudget } from './retry-budget.ts';
import { compileRoutes } from './routes.ts';
import type { GatewaySpec, RouteSpec } from './spec.ts';
import { SocketReuseTracker, Upstreams } from './upstreams.ts';

export interface GatewayDeps {
  readonly clock: Clock;
  readonly random: () => number;
}

/**
 * The data plane for one config snapshot: pools with their health machinery, upstream connection pools
 * and the compiled route table. Built whole from a spec and never mutated by the control plane.
 */
export class Gateway {
  readonly #pools: PoolSet;
  readonly #upstreams = new Upstreams();
  readonly #reuse = new SocketReuseTracker();
  readonly #routes: readonly RouteRuntime[];
  readonly #match: ReturnType<typeof compileRoutes>;
  readonly #exchangeDeps: ExchangeDeps;
  /** Responses not yet closed, so a drain knows what to wait for and can ask each to close its connection. */
  readonly #openResponses = new Set<ServerResponse>();
  #isDraining = false;
  #onIdle: (() => void) | undefined;

  constructor(spec: GatewaySpec, deps: GatewayDeps) {
    const balancerDeps = { random: deps.random, nowMs: () => deps.clock.nowMs() };
    this.#pools = PoolSet.fromSpecs(spec.pools, {
      ...deps,
      balancerFor: (_name, poolSpec) => createBalancer(poolSpec.balancer, balancerDeps),
    });
    for (const [name, poolSpec] of Object.entries(spec.pools)) {
      for (const endpoint of this.#pools.get(name)?.endpoints ?? []) {
        this.#upstreams.add(endpoint, {
          maxConnections: poolSpec.maxConnectionsPerEndpoint,
          keepAliveTimeoutMs: poolSpec.keepAliveTimeoutMs,
          connectTimeoutMs: connectTimeoutForPool(name, spec),
        });
      }
    }
    this.#routes = spec.routes.map((routeSpec, index) => ({
      index,
      spec: routeSpec,
      budget: new RetryBudget(deps.clock, routeSpec.retry.budget),
      hashKey: spec.pools[routeSpec.pool]?.hashKey,
    }));
    this.#match = compileRoutes(spec.routes);
    this.#exchangeDeps = {
      ...deps,
      selector: this.#pools,
      upstreams: this.#upstreams,
      reuse: this.#reuse,
      recordLatency,
    };
  }

  start(): void {
    this.#pools.start();
  }

  async stop(): Promise<void> {
    await this.#pools.stop();
    this.#reuse.close();
    await this.#upstreams.close();
  }

  #track(res: ServerResponse): void {
    if (this.#isDraining) res.shouldKeepAlive = false;
    this.#openResponses.add(res);
    res.once('close', () => {
      this.#openResponses.delete(res);
      if (this.#openResponses.size === 0) this.#onIdle?.();
    });
  }

  get openRequests(): number {
    return this.#openResponses.size;
  }

  /**
   * Stops keep-alive on every response not yet started, so clients reconnect elsewhere, and resolves when
   * every open request has finished or `timeoutMs` has passed (then remaining ones are cut off).
   */
  async drain(timeoutMs: number): Promise<{ readonly cutOff: number }> {
    this.#isDraining = true;
    for (const res of this.#openResponses) if (!res.headersSent) res.shouldKeepAlive = false;
    if (this.#openResponses.size > 0) {
      const idle = new Promise<void>((resolve) => (this.#onIdle = resolve));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([idle, timeout]);
      clearTimeout(timer);
    }
    const cutOff = this.#openResponses.size;
    for (const res of this.#openResponses) res.destroy();
    return { cutOff };
  }

  /** Endpoint health verdicts of a previous snapshot, for endpoints that still exist: a reload must not flap. */
  inheritHealthFrom(previous: Gateway): void {
    const verdicts = new Map<string, boolean>();
    for (const pool of previous.status())
      for (const endpoint of pool.endpoints) verdicts.set(`${pool.name}/${endpoint.id}`, endpoint.isHealthy);
    for (const pool of this.#pools.pools) {
      for (const endpoint of pool.endpoints)
        endpoint.isHealthy = verdicts.get(`${pool.name}/${endpoint.id}`) ?? endpoint.isHealthy;
      pool.refresh();
    }
  }

  status(): readonly PoolStatus[] {
    return this.#pools.status();
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.#track(res);
    const requestId = requestIdOf(req);
    const path = req.url ?? '/';
    const matched = this.#match(req.method ?? 'GET', path, req.headers);
    const route = matched && this.#routes[matched.index];
    if (!route)
      return sendError(res, 404, 'GW_ROUTE_NOT_FOUND', `no route matches ${req.method} ${path}`, requestId);
    const clientIp = clientIpOf(req);
    const headers = upstreamRequestHeaders(req.headers, { requestId, clientIp, proto: 'http' });
    const hint = { hashKey: route.hashKey && hashKeyValueOf(route.hashKey, req, clientIp) };
    const start = (body: RequestBody): void =>
      new Exchange(this.#exchangeDeps, route, req, res, { requestId, body, headers, hint }).start();
    // Most requests carry no body: start at once rather than a promise hop later.
    if (!hasBody(req)) return start(noBody);
    // Without retries there is nothing to replay, so the body streams straight through.
    const maxReplayBytes = route.spec.retry.attempts > 1 ? route.spec.maxReplayBodyBytes : 0;
    readRequestBody(req, maxReplayBytes)
      // The client went away or broke framing while sending its body: nothing to answer.
      .then(start, () => res.destroy())
      // A bug must cost one request, never the process (an unhandled rejection would end it).
      .catch((error: unknown) =>
        sendError(res, 500, 'GW_INTERNAL', `internal gateway error: ${String(error)}`, requestId),
      );
  };
}

/**
 * undici sets the connect timeout per connection pool, and one endpoint serves every route that reaches
 * its pool (directly or by failover), so the strictest of those routes' connect timeouts applies.
 */
function connectTimeoutForPool(poolName: string, spec: GatewaySpec): number {
  const reaching = spec.routes.filter((route) => failoverChain(route, spec).includes(poolName));
  return reaching.length === 0 ? 2_000 : Math.min(...reaching.map((route) => route.timeouts.connectMs));
}

function failoverChain(route: RouteSpec, spec: GatewaySpec): string[] {
  const chain: string[] = [];
  for (
    let name: string | undefined = route.pool;
    name !== undefined && !chain.includes(name);
    name = spec.pools[name]?.failover
  )
    chain.push(name);
  return chain;
}
