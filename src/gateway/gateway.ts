import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '../core/clock.ts';
import type { EndpointAdminState, PoolStatus } from '../core/events.ts';
import { createBalancer, recordLatency } from './balance/index.ts';
import type { PickHint } from './balance/balancer.ts';
import { Exchange, type ExchangeDeps, type ExchangeInit, type RouteRuntime } from './exchange.ts';
import { upstreamRequestHeaders } from './headers.ts';
import type { Endpoint } from './endpoint.ts';
import type { HealthVerdict } from './health-verdicts.ts';
import type { HealthProbeFactory } from './health/health-probe.ts';
import { PoolSet } from './pool-set.ts';
import { applyVerdicts, inheritVerdicts, poolStatuses } from './pool-state.ts';
import type { Pool } from './pool.ts';
import { bodyTooLargeRefusal, isBodyTooLarge } from './body-limit.ts';
import { isRequestTimedOut } from './client-errors.ts';
import { hasBody, noBody, readRequestBody } from './request-body.ts';
import { clientIpOf, hashKeyValueOf, protoOf, requestIdOf } from './request-context.ts';
import { normalizeTarget } from './request-target.ts';
import { refuse, refuseOnSocket, refuseRequest, underscoreRefusal } from './request-guard.ts';
import { sendError } from './responses.ts';
import { compileRoutes, noRouteId } from './routes.ts';
import { connectTimeoutForPool } from './connect-timeout-for-pool.ts';
import { OpenResponses } from './open-responses.ts';
import { buildRouteRuntimes } from './route-runtimes.ts';
import type { GatewaySpec, UnderscoredHeaderAction } from './spec.ts';
import { publishLocalAnswer } from './request-events.ts';
import { SocketReuseTracker, Upstreams } from './upstreams.ts';
import { rejectUpgrade } from './upgrade-tunnel.ts';
import { WebSocketProxy } from './websocket.ts';
import { admit, type AdmissionDeps } from './admission.ts';
import type { GateTicket } from './overload/concurrency-gate.ts';
import { LocalRateLimitStore, type RateLimitStore } from './overload/rate-limit-store.ts';
import { buildGates, type PoolGate } from './overload/pool-gates.ts';

export interface GatewayDeps {
  readonly clock: Clock;
  readonly random: () => number;
  /** Builds each pool's active health check; gateway/ has no check of its own (app.ts hands it the HTTP check). */
  readonly healthProbeFor: HealthProbeFactory;
  /** Where rate-limit buckets live; it outlives snapshots so a reload refills nobody. One per gateway if absent. */
  readonly rateLimitStore?: RateLimitStore | undefined;
}

/**
 * The data plane for one config snapshot: pools with their health machinery, upstream connection pools
 * and the compiled route table. Built whole from a spec and never mutated by the control plane.
 */
export class Gateway {
  readonly #pools: PoolSet;
  readonly #upstreams: Upstreams;
  readonly #reuse = new SocketReuseTracker();
  readonly #routes: readonly RouteRuntime[];
  readonly #match: ReturnType<typeof compileRoutes>;
  readonly #exchangeDeps: ExchangeDeps;
  readonly #webSockets: WebSocketProxy;
  readonly #admissionDeps: AdmissionDeps;
  /** Concurrency gates of pools with a limit or per-endpoint caps, by pool name. */
  readonly #gates: ReadonlyMap<string, PoolGate>;
  readonly #unwatchPools: (() => void)[] = [];
  readonly #responses: OpenResponses;
  readonly #underscores: UnderscoredHeaderAction;

  constructor(spec: GatewaySpec, deps: GatewayDeps) {
    this.#upstreams = new Upstreams(deps.clock);
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
          maxResponseHeaderBytes: poolSpec.maxResponseHeaderBytes,
          connectTimeoutMs: connectTimeoutForPool(name, spec),
        });
      }
    }
    this.#gates = buildGates(spec, this.#pools, deps);
    const pump = (): void => this.#gates.forEach((gate) => gate.gate.pump());
    if (this.#gates.size > 0) for (const pool of this.#pools.pools) this.#unwatchPools.push(pool.watch(pump));
    this.#routes = buildRouteRuntimes(spec, this.#pools, this.#gates, deps.clock);
    this.#responses = new OpenResponses(deps.clock);
    this.#admissionDeps = {
      clock: deps.clock,
      random: deps.random,
      rateLimitStore: deps.rateLimitStore ?? new LocalRateLimitStore(),
      wasCutOff: this.#responses.wasCutOff,
    };
    this.#match = compileRoutes(spec.routes);
    this.#underscores = spec.gateway?.headersWithUnderscores ?? 'drop';
    this.#exchangeDeps = {
      ...deps,
      selector: this.#pools,
      upstreams: this.#upstreams,
      reuse: this.#reuse,
      recordLatency,
      wasCutOff: this.#responses.wasCutOff,
      streams: this.#responses.streams,
    };
    this.#webSockets = new WebSocketProxy(this.#exchangeDeps);
  }

  /** Starts active health checks; a cluster worker passes `activeHealthChecks: false` (its primary runs them). */
  start(options: { readonly activeHealthChecks?: boolean } = {}): void {
    if (options.activeHealthChecks !== false) this.#pools.start();
  }

  /**
   * For a graph a reload replaced, once the new one has continued from it: its requests in flight need no new
   * verdicts, ejections or cool-downs, which the new graph keeps now (Pool.retire).
   */
  retire(): void {
    this.#pools.retire();
  }

  async stop(): Promise<void> {
    for (const unwatch of this.#unwatchPools.splice(0)) unwatch();
    this.#webSockets.closeAll();
    await this.#pools.stop();
    this.#reuse.close();
    await this.#upstreams.close();
  }

  get openRequests(): number {
    return this.#responses.size;
  }

  /**
   * Stops keep-alive on every response not yet started, so clients reconnect elsewhere, and resolves when
   * every open request has finished or `timeoutMs` has passed (then remaining ones are cut off). WebSockets
   * are closed then: they never end on their own, so on a stop waiting for them would only hold it until the
   * deadline. The old config of a reload passes `waitForWebSockets`: its WebSockets keep working until they
   * close or the deadline comes (nginx's old workers do the same), so a reload does not drop every client.
   * `cutOff` counts the requests cut, `webSocketsClosed` the WebSockets.
   */
  async drain(
    timeoutMs: number,
    { waitForWebSockets = false }: { readonly waitForWebSockets?: boolean } = {},
  ): Promise<{ readonly cutOff: number; readonly webSocketsClosed: number }> {
    await this.#responses.settle(timeoutMs, waitForWebSockets ? this.#webSockets.allClosed() : undefined);
    const webSocketsClosed = this.openUpgrades;
    this.closeUpgrades();
    const cutOff = await this.#responses.cutOpen();
    return { cutOff, webSocketsClosed };
  }

  /** Endpoint health verdicts of a previous snapshot, for endpoints that still exist: a reload must not flap. */
  inheritHealthFrom(previous: Gateway): void {
    inheritVerdicts(this.#pools, previous.status());
  }

  /** Verdicts decided elsewhere (a cluster worker's primary runs the checks); unknown endpoints are ignored. */
  applyHealth(verdicts: readonly HealthVerdict[]): void {
    applyVerdicts(this.#pools, verdicts);
  }

  status(): readonly PoolStatus[] {
    return poolStatuses(this.#pools, this.#gates, this.#exchangeDeps.clock.nowMs());
  }

  /** Runtime endpoint control (admin API); false when the pool has no endpoint with this id (host:port). */
  setEndpointState(poolName: string, endpointId: string, state: EndpointAdminState): boolean {
    return this.#forEndpoints(poolName, endpointId, (pool, endpoint) => pool.setAdminState(endpoint, state));
  }

  /** As setEndpointState; `weight` must be > 0. */
  setEndpointWeight(poolName: string, endpointId: string, weight: number): boolean {
    return this.#forEndpoints(poolName, endpointId, (pool, endpoint) => pool.setWeight(endpoint, weight));
  }

  /**
   * On reload, just before the swap: endpoints that joined a pool which already existed ramp up (slow
   * start); ramps, ejections and cool-downs under way in `previous` continue, so a reload puts no endpoint
   * back into rotation early. A pool new as a whole does not ramp: all would be new. Gates hand over too.
   */
  continueFrom(previous: Gateway): void {
    for (const pool of this.#pools.pools) {
      const before = previous.#pools.get(pool.name);
      if (before) pool.continueFrom(before);
    }
    for (const [name, { gate }] of this.#gates) previous.#gates.get(name)?.gate.handOverTo(gate);
  }

  #forEndpoints(
    poolName: string,
    endpointId: string,
    change: (pool: Pool, endpoint: Endpoint) => void,
  ): boolean {
    const pool = this.#pools.get(poolName);
    if (!pool) return false;
    const endpoints = pool.endpointsWithId(endpointId);
    for (const endpoint of endpoints) change(pool, endpoint);
    return endpoints.length > 0;
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.#responses.track(res);
    const requestId = requestIdOf(req);
    // Before routing and admission, as a malformed request: a refused one takes no rate-limit token nor slot.
    const refusal = this.#underscores === 'reject' ? underscoreRefusal(req) : undefined;
    if (refusal) return refuseRequest(req, res, refusal, requestId);
    normalizeTarget(req);
    const path = req.url ?? '/';
    const matched = this.#match(req.method ?? 'GET', path, req.headers);
    const route = matched && this.#routes[matched.index];
    if (!route) {
      sendError(res, 404, 'GW_ROUTE_NOT_FOUND', `no route matches ${req.method} ${path}`, requestId);
      return publishLocalAnswer(req, requestId, noRouteId, 404, 'GW_ROUTE_NOT_FOUND');
    }
    const clientIp = clientIpOf(req);
    if (!route.guards) return this.#forward(req, res, route, requestId, clientIp, undefined);
    admit(this.#admissionDeps, route.guards, { req, res, requestId, clientIp }, (ticket) =>
      this.#forward(req, res, route, requestId, clientIp, ticket),
    );
  };

  #forward(
    req: IncomingMessage,
    res: ServerResponse,
    route: RouteRuntime,
    requestId: string,
    clientIp: string,
    ticket: GateTicket | undefined,
  ): void {
    const headers = upstreamRequestHeaders(
      req.headers,
      { requestId, clientIp, proto: protoOf(req) },
      route.spec.requestHeaders,
      this.#underscores,
    );
    const hint = route.hashKey ? { hashKey: hashKeyValueOf(route.hashKey, req, clientIp) } : noHint;
    const init: ExchangeInit = { requestId, clientIp, body: noBody, headers, hint, ticket };
    // Most requests carry no body: start at once rather than a promise hop later.
    if (!hasBody(req)) return new Exchange(this.#exchangeDeps, route, req, res, init).start();
    // Without retries there is nothing to replay, so the body streams straight through.
    const maxReplayBytes = route.spec.retry.attempts > 1 ? route.spec.maxReplayBodyBytes : 0;
    const goOn = req.headers.expect === undefined ? undefined : () => res.writeContinue();
    readRequestBody(req, maxReplayBytes, route.spec.maxBodyBytes, goOn)
      // Past max_body: 413 and close. Otherwise the client went away or broke framing, or its body came too
      // slowly (answered by the server's clientError handler): only that 408 is left to count.
      .then(
        (body) => new Exchange(this.#exchangeDeps, route, req, res, { ...init, body }).start(),
        (error: unknown) => {
          if (isRequestTimedOut(req))
            return publishLocalAnswer(req, requestId, route.id, 408, 'GW_REQUEST_TIMEOUT');
          // Cut by the drain while its body arrived: nothing was answered.
          if (this.#responses.wasCutOff(res))
            return publishLocalAnswer(req, requestId, route.id, 0, 'GW_DRAINED');
          if (!isBodyTooLarge(error)) return void res.destroy();
          refuse(res, bodyTooLargeRefusal(error), requestId);
          publishLocalAnswer(req, requestId, route.id, 413, 'GW_BODY_TOO_LARGE');
        },
      )
      // A bug must cost one request, never the process (an unhandled rejection would end it).
      .catch(() => {
        sendError(res, 500, 'GW_INTERNAL', 'internal gateway error', requestId);
        publishLocalAnswer(req, requestId, route.id, 500, 'GW_INTERNAL');
      });
  }

  /** The listeners' 'upgrade' handler: a WebSocket handshake is routed like a request, then tunnelled. */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const requestId = requestIdOf(req);
    const refusal = this.#underscores === 'reject' ? underscoreRefusal(req) : undefined;
    if (refusal) return refuseOnSocket(req, socket, refusal);
    normalizeTarget(req);
    const path = req.url ?? '/';
    const matched = this.#match(req.method ?? 'GET', path, req.headers);
    const route = matched && this.#routes[matched.index];
    if (!route) {
      const message = `no route matches ${req.method} ${path}`;
      return rejectUpgrade(socket, 404, 'GW_ROUTE_NOT_FOUND', message, requestId);
    }
    // A draining snapshot takes no new long-lived connections; the client reconnects to the new one.
    if (this.#responses.isDraining)
      return rejectUpgrade(socket, 503, 'GW_NO_HEALTHY_ENDPOINT', 'the gateway is draining', requestId);
    const clientIp = clientIpOf(req);
    const headers = upstreamRequestHeaders(
      req.headers,
      { requestId, clientIp, proto: protoOf(req) },
      route.spec.requestHeaders,
      this.#underscores,
    );
    const hint = { hashKey: route.hashKey && hashKeyValueOf(route.hashKey, req, clientIp) };
    const init = { route, requestId, headers, hint, ticket: undefined };
    if (!route.guards) return this.#webSockets.proxy(req, socket, head, init);
    // A handshake is a request until it switches: the route's rate limits, throttle and concurrency gate apply,
    // and answer through node's own response object on the socket, as they would any request.
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    res.shouldKeepAlive = false;
    res.once('finish', () => socket.end(() => socket.destroy()));
    admit(this.#admissionDeps, route.guards, { req, res, requestId, clientIp }, (ticket) => {
      res.detachSocket(socket as Socket);
      this.#webSockets.proxy(req, socket, head, { ...init, ticket });
    });
  };

  /** Upgraded (WebSocket) connections open now; they outlive any request, so a drain closes them. */
  get openUpgrades(): number {
    return this.#webSockets.openCount;
  }

  /** Resolves when no upgraded connection is open (at once if none is). */
  upgradesClosed(): Promise<void> {
    return this.#webSockets.allClosed();
  }

  /** Cuts every upgraded connection (TCP close on both sides): for the drain deadline and stop(). */
  closeUpgrades(): void {
    this.#webSockets.closeAll();
  }
}

/** The balancer hint of a request to a pool that does not hash: shared, as most requests have one. */
const noHint: PickHint = {};
