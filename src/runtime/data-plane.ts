import type { Config } from '../config/index.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { EndpointAdminState, PoolStatus } from '../core/events.ts';
import { describeRefusals, type RefusedConnections } from '../core/listener-guard.ts';
import { Gateway, type GatewayDeps } from '../gateway/gateway.ts';
import type { HealthProbeFactory } from '../gateway/health/health-probe.ts';
import { LocalRateLimitStore, type RateLimitStore } from '../gateway/overload/rate-limit-store.ts';
import { startHttpServer } from '../gateway/server.ts';
import { startTlsServer } from '../gateway/tls-server.ts';
import { proxyWebSockets } from '../gateway/websocket.ts';
import type { Logger } from '../observability/index.ts';
import { GatewayHost } from './gateway-host.ts';
import { Listeners, type ListenerChange } from './listeners.ts';
import { ServedListener } from './served-listener.ts';
import { TlsListener } from './tls-listener.ts';

export interface DataPlaneOptions {
  /** false in a cluster worker: the primary runs the checks and pushes verdicts. */
  readonly activeHealthChecks: boolean;
  /** Each pool's active check, built per snapshot: the HTTP check (runtime/http-health-probe.ts). */
  readonly healthProbeFor: HealthProbeFactory;
  readonly logger: Logger;
  /** Where rate-limit buckets live: a cluster worker asks its primary; one process keeps its own. */
  readonly rateLimitStore?: RateLimitStore | undefined;
  /** The graphs' clock (health check schedules, request timeouts); tests pass a fake. */
  readonly clock?: Clock | undefined;
}

/** A swap whose every step that can fail is done: listeners bound, certificates read, the new graph built. */
export interface PreparedSwap {
  /** Makes the new graph live; `prepare` runs on it just before (e.g. applying pushed health). Cannot fail. */
  commit(prepare?: (gateway: Gateway) => void): void;
  /** Drops the new graph and the listeners it bound; what is live never changed. */
  abort(): Promise<void>;
}

/**
 * The gateway side of one process: the live snapshot and the listeners that feed it, swapped whole on
 * reload. A cluster worker is exactly this; the single process adds the admin listener and reloader.
 */
export class DataPlane {
  readonly #host: GatewayHost;
  readonly #listeners: Listeners;
  readonly #tlsListener: TlsListener;
  readonly #options: DataPlaneOptions;
  readonly #gatewayDeps: GatewayDeps;
  readonly #log: Logger;
  /** Old graphs and listeners a reload replaced, finishing in the background (each within its drain_timeout). */
  readonly #retiring = new Set<Promise<void>>();
  /** Old graphs of recent reloads, whose WebSockets a stop closes at once rather than at their deadline. */
  readonly #retiringGateways = new Set<Gateway>();
  #live: Config;
  #isStopping = false;

  constructor(config: Config, options: DataPlaneOptions) {
    this.#options = options;
    this.#live = config;
    // One store for every snapshot: a reload must not hand everybody a fresh burst.
    const rateLimitStore = options.rateLimitStore ?? new LocalRateLimitStore();
    this.#gatewayDeps = {
      clock: options.clock ?? systemClock,
      random: Math.random,
      healthProbeFor: options.healthProbeFor,
      rateLimitStore,
    };
    this.#host = new GatewayHost(new Gateway(config, this.#gatewayDeps));
    const handleUpgrade: Gateway['handleUpgrade'] = (req, socket, head) =>
      this.#host.current.handleUpgrade(req, socket, head);
    const { limits } = config;
    const log = options.logger.child({ component: 'gateway' });
    this.#log = log;
    const reportRefusals = (listener: string) => (refused: RefusedConnections) =>
      log.warn({ event: 'connections-refused', ...refused }, describeRefusals(listener, refused, limits));
    this.#listeners = new Listeners((address) =>
      ServedListener.open(async (handle) => {
        const report = reportRefusals('the gateway listener');
        const running = await startHttpServer(address, handle, limits, report);
        proxyWebSockets(running.server, handleUpgrade, limits.maxHeaders);
        return running;
      }, this.#host.handle),
    );
    this.#tlsListener = new TlsListener((address, pair) =>
      ServedListener.open(async (handle) => {
        const report = reportRefusals('the gateway TLS listener');
        const running = await startTlsServer(address, pair, handle, limits, report);
        proxyWebSockets(running.server, handleUpgrade, limits.maxHeaders);
        return running;
      }, this.#host.handle),
    );
  }

  get gateway(): Gateway {
    return this.#host.current;
  }

  get gatewayUrl(): string {
    return this.#listeners.urls[0] ?? '';
  }

  get gatewayTlsUrl(): string | undefined {
    return this.#tlsListener.url;
  }

  async start(): Promise<void> {
    this.#host.current.start({ activeHealthChecks: this.#options.activeHealthChecks });
    try {
      for (const change of await this.#prepareListeners(this.#live)) change.commit();
    } catch (error) {
      await this.#host.current.stop();
      throw error;
    }
  }

  /**
   * Builds the new graph and binds changed listeners, but changes nothing live: the caller commits, e.g.
   * once the control plane accepted the same config, or aborts. Throws, having changed nothing, when a
   * certificate or an address is unusable.
   */
  async prepare(next: Config): Promise<PreparedSwap> {
    if (this.#isStopping) throw new Error('the gateway is stopping');
    const gateway = new Gateway(next, this.#gatewayDeps);
    gateway.inheritHealthFrom(this.#host.current);
    gateway.start({ activeHealthChecks: this.#options.activeHealthChecks });
    const changes = await this.#prepareListeners(next).catch(async (error: unknown) => {
      await gateway.stop();
      throw error;
    });
    return {
      commit: (prepare = () => undefined) => {
        // Synchronous up to the swap, so nothing changes the old gateway after it was copied.
        gateway.continueFrom(this.#host.current);
        prepare(gateway);
        const previous = this.#host.swap(gateway);
        this.#live = next;
        this.#retire(
          previous,
          changes.flatMap((change) => change.commit()),
          next.gateway.drainTimeoutMs,
        );
      },
      abort: async () => {
        await Promise.all(changes.map((change) => change.abort()));
        await gateway.stop();
      },
    };
  }

  /** prepare and commit in one: what a cluster worker does with the config its primary accepted. */
  async swapTo(next: Config, prepare: (gateway: Gateway) => void = () => undefined): Promise<void> {
    (await this.prepare(next)).commit(prepare);
  }

  /**
   * The pools as the admin API and metrics show them: requests still running on graphs recent reloads
   * replaced count in their endpoint's `inFlight` (same pool and endpoint id), so an endpoint drained for
   * maintenance does not read 0 while streams still run on it.
   */
  status(): readonly PoolStatus[] {
    const pools = this.#host.current.status();
    if (this.#retiringGateways.size === 0) return pools;
    return withInFlightOf([...this.#retiringGateways], pools);
  }

  setEndpointState(poolName: string, endpointId: string, state: EndpointAdminState): boolean {
    return this.#host.current.setEndpointState(poolName, endpointId, state);
  }

  setEndpointWeight(poolName: string, endpointId: string, weight: number): boolean {
    return this.#host.current.setEndpointWeight(poolName, endpointId, weight);
  }

  /**
   * The single-process drain. For `shutdownDelayMs` the listeners keep accepting and serving, each response
   * closing its connection, so an outer balancer has seen /readyz fail and clients left their pooled
   * connections; then they stop accepting, open requests finish within drain_timeout and the rest is cut.
   */
  async stop({
    shutdownDelayMs = this.#live.gateway.shutdownDelayMs,
  }: { readonly shutdownDelayMs?: number } = {}): Promise<DrainResult> {
    this.#isStopping = true;
    const listeners = [...this.#listeners.takeAll(), ...this.#tlsListener.takeAll()];
    if (shutdownDelayMs > 0) {
      this.#log.info(
        { event: 'shutdown-delay', shutdownDelayMs },
        `serving ${shutdownDelayMs} ms more (shutdown_delay), each response closing its connection, then draining`,
      );
      for (const listener of listeners) listener.stopKeepAlive();
      await new Promise((resolve) => setTimeout(resolve, shutdownDelayMs));
    }
    const closed = Promise.all(listeners.map((listener) => listener.close()));
    // A graph replaced by a recent reload may still be finishing requests on the same listeners, and holding
    // WebSockets until its deadline: on a stop they close as the current graph's do.
    for (const old of this.#retiringGateways) old.closeUpgrades();
    const [drained] = await Promise.all([
      this.#host.current.drain(this.#live.gateway.drainTimeoutMs),
      ...this.#retiring,
    ]);
    for (const listener of listeners) listener.cutOff();
    await closed;
    await this.#host.current.stop();
    if (drained.cutOff > 0) this.#logCut('at the stop', drained, this.#live.gateway.drainTimeoutMs);
    return drained;
  }

  /** TLS first: its certificate files are read and checked before any address is bound. */
  async #prepareListeners(config: Config): Promise<ListenerChange[]> {
    const tls = await this.#tlsListener.prepare(config.listen.gatewayTls);
    const plain = await this.#listeners.prepare([config.listen.gateway]).catch(async (error: unknown) => {
      await tls.abort();
      throw error;
    });
    return [tls, plain];
  }

  /**
   * The old graph finishes its requests and the listeners no longer wanted finish their connections, in the
   * background and within `timeoutMs`; new requests already go to the new graph. What is left is cut then.
   */
  #retire(previous: Gateway, listeners: readonly ServedListener[], timeoutMs: number): void {
    this.#retiringGateways.add(previous);
    // Its requests need no new verdicts nor ejections: the new graph has them, and timers left running here
    // would double every probe, ejection return, log line and transition.
    previous.retire();
    const graphDone = previous.drain(timeoutMs, { waitForWebSockets: true }).then((drained) => {
      if (drained.cutOff > 0 || drained.webSocketsClosed > 0)
        this.#logCut('on the replaced config', drained, timeoutMs);
      // Keep-alive connections whose response began before the swap are idle now.
      for (const listener of listeners) listener.closeIdle();
      return previous.stop();
    });
    const done = Promise.all([graphDone, closeWithin(listeners, timeoutMs)])
      .then(() => undefined)
      .catch((error: unknown) =>
        this.#options.logger.error({ event: 'drain-failed', err: error }, 'old config did not stop cleanly'),
      )
      .finally(() => {
        this.#retiring.delete(done);
        this.#retiringGateways.delete(previous);
      });
    this.#retiring.add(done);
  }

  /** One line per drain its deadline ended; each request cut is logged too, as GW_DRAINED. */
  #logCut(where: string, { cutOff, webSocketsClosed }: DrainResult, drainTimeoutMs: number): void {
    const counts = [countOf(cutOff, 'request'), countOf(webSocketsClosed, 'WebSocket')].filter(Boolean);
    this.#log.warn(
      { event: 'drain-cut', cutOff, webSocketsClosed, drainTimeoutMs },
      `drain_timeout (${drainTimeoutMs} ms) passed: cut off ${counts.join(' and ')} still open ${where}`,
    );
  }
}

type DrainResult = Awaited<ReturnType<Gateway['drain']>>;

const countOf = (count: number, noun: string): string =>
  count === 0 ? '' : `${count} ${noun}${count === 1 ? '' : 's'}`;

/** Endpoint by endpoint, `pools` with what each of `graphs` has in flight on the same pool and endpoint id. */
function withInFlightOf(graphs: readonly Gateway[], pools: readonly PoolStatus[]): PoolStatus[] {
  const inFlight = new Map<string, number>();
  for (const graph of graphs)
    for (const pool of graph.status())
      for (const { id, inFlight: count } of pool.endpoints) {
        const key = `${pool.name}/${id}`;
        inFlight.set(key, (inFlight.get(key) ?? 0) + count);
      }
  return pools.map((pool) => ({
    ...pool,
    endpoints: pool.endpoints.map((endpoint) => {
      const retiring = inFlight.get(`${pool.name}/${endpoint.id}`) ?? 0;
      return retiring === 0 ? endpoint : { ...endpoint, inFlight: endpoint.inFlight + retiring };
    }),
  }));
}

/** Closes `listeners`, letting their connections finish for up to `timeoutMs`, then cutting the rest. */
async function closeWithin(listeners: readonly ServedListener[], timeoutMs: number): Promise<void> {
  if (listeners.length === 0) return;
  const closed = Promise.all(listeners.map((listener) => listener.close()));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([closed, deadline]);
  clearTimeout(timer);
  for (const listener of listeners) listener.cutOff();
  await closed;
}
