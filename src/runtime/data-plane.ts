import type { Config } from '../config/index.ts';
import { systemClock } from '../core/clock.ts';
import { Gateway, type GatewayDeps } from '../gateway/gateway.ts';
import type { HealthProbeFactory } from '../gateway/health/health-probe.ts';
import { LocalRateLimitStore, type RateLimitStore } from '../gateway/overload/rate-limit-store.ts';
import { startHttpServer } from '../gateway/server.ts';
import { startTlsServer } from '../gateway/tls-server.ts';
import { proxyWebSockets } from '../gateway/websocket.ts';
import type { Logger } from '../observability/index.ts';
import { GatewayHost } from './gateway-host.ts';
import { Listeners } from './listeners.ts';
import { TlsListener } from './tls-listener.ts';

export interface DataPlaneOptions {
  /** false in a cluster worker: the primary runs the checks and pushes verdicts. */
  readonly activeHealthChecks: boolean;
  /** Each pool's active check, built per snapshot: the HTTP check (runtime/http-health-probe.ts). */
  readonly healthProbeFor: HealthProbeFactory;
  readonly logger: Logger;
  /** Where rate-limit buckets live: a cluster worker asks its primary; one process keeps its own. */
  readonly rateLimitStore?: RateLimitStore | undefined;
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
  #live: Config;

  constructor(config: Config, options: DataPlaneOptions) {
    this.#options = options;
    this.#live = config;
    // One store for every snapshot: a reload must not hand everybody a fresh burst.
    const rateLimitStore = options.rateLimitStore ?? new LocalRateLimitStore();
    this.#gatewayDeps = {
      clock: systemClock,
      random: Math.random,
      healthProbeFor: options.healthProbeFor,
      rateLimitStore,
    };
    this.#host = new GatewayHost(new Gateway(config, this.#gatewayDeps));
    const handleUpgrade: Gateway['handleUpgrade'] = (req, socket, head) =>
      this.#host.current.handleUpgrade(req, socket, head);
    this.#listeners = new Listeners((address) =>
      startHttpServer(address, this.#host.handle, config.limits).then((running) => {
        proxyWebSockets(running.server, handleUpgrade, config.limits.maxHeaders);
        return running;
      }),
    );
    this.#tlsListener = new TlsListener((address, pair) =>
      startTlsServer(address, pair, this.#host.handle, config.limits).then((running) => {
        proxyWebSockets(running.server, handleUpgrade, config.limits.maxHeaders);
        return running;
      }),
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
      await this.#listeners.sync([this.#live.listen.gateway]);
      await this.#tlsListener.sync(this.#live.listen.gatewayTls);
    } catch (error) {
      await Promise.all([this.#host.current.stop(), this.#listeners.closeAll().closed]);
      throw error;
    }
  }

  /**
   * Builds the new graph, carries health and slow-start ramps over, opens changed listeners, swaps, and
   * drains the old graph in the background. Throws with the old graph still live when that is impossible.
   * `prepare` runs on the new gateway before it goes live (e.g. applying pushed health).
   */
  async swapTo(next: Config, prepare: (gateway: Gateway) => void = () => undefined): Promise<void> {
    const gateway = new Gateway(next, this.#gatewayDeps);
    gateway.inheritHealthFrom(this.#host.current);
    gateway.start({ activeHealthChecks: this.#options.activeHealthChecks });
    try {
      await this.#listeners.sync([next.listen.gateway]);
      await this.#tlsListener.sync(next.listen.gatewayTls);
    } catch (error) {
      await gateway.stop();
      throw error;
    }
    // As app.ts: no await from here to the swap, so nothing changes the old gateway after it was copied.
    gateway.continueFrom(this.#host.current);
    prepare(gateway);
    const previous = this.#host.swap(gateway);
    this.#live = next;
    // The old graph finishes its requests in the background; the new one already takes all new ones.
    void previous
      .drain(next.gateway.drainTimeoutMs)
      .then(() => previous.stop())
      .catch((error: unknown) =>
        this.#options.logger.error({ event: 'drain-failed', err: error }, 'old config did not stop cleanly'),
      );
  }

  /** The single-process drain: stop accepting, finish open requests within drain_timeout, cut the rest. */
  async stop(): Promise<{ readonly cutOff: number }> {
    const listening = this.#listeners.closeAll();
    const tlsListening = this.#tlsListener.closeAll();
    const { cutOff } = await this.#host.current.drain(this.#live.gateway.drainTimeoutMs);
    // An upgraded (WebSocket) connection holds its listener open, and closeAllConnections skips it.
    this.#host.current.closeUpgrades();
    listening.cutOff();
    tlsListening.cutOff();
    await Promise.all([listening.closed, tlsListening.closed]);
    await this.#host.current.stop();
    return { cutOff };
  }
}
