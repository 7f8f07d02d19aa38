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

  status(): readonly PoolStatus[] {
    return this.#pools.status();
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
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
