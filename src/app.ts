import { startAdminServer } from './admin/http/server.ts';
import { loadConfigFile, watchConfigFile, type Config } from './config/index.ts';
import { systemClock } from './core/clock.ts';
import { Gateway } from './gateway/gateway.ts';
import { startHttpServer } from './gateway/server.ts';
import { startTlsServer } from './gateway/tls-server.ts';
import { proxyWebSockets } from './gateway/websocket.ts';
import {
  configReloadFailures,
  createLogger,
  GatewayMetrics,
  subscribeGatewayLogs,
  type Logger,
} from './observability/index.ts';
import { GatewayHost } from './runtime/gateway-host.ts';
import { Listeners } from './runtime/listeners.ts';
import { Reloader, type ConfigStatus, type ReloadOutcome } from './runtime/reloader.ts';
import { TlsListener } from './runtime/tls-listener.ts';
import { EndpointOverrides } from './services/index.ts';

/** A running Bulwark: addresses it bound (ports resolved when 0 was asked) and how to steer it. */
export interface RunningBulwark {
  readonly gatewayUrl: string;
  /** The TLS listener's URL when `listen.gateway_tls` is set. */
  readonly gatewayTlsUrl: string | undefined;
  readonly adminUrl: string;
  readonly logger: Logger;
  /** Validates the config file again and swaps to it; a bad file changes nothing. */
  reload(): Promise<ReloadOutcome>;
  configStatus(): ConfigStatus;
  /** Graceful: not ready, stop accepting, let open requests and streams finish within drain_timeout. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The file the config came from: enables reload on SIGHUP and on change of the file. */
  readonly configPath?: string | undefined;
  /** Watch the config file and reload when it changes (default: when configPath is given). */
  readonly watch?: boolean | undefined;
  /** Replaces the stdout logger (tests). */
  readonly logger?: Logger | undefined;
}

const gatewayDeps = { clock: systemClock, random: Math.random };

/** The composition root: the only place where concrete classes meet. */
export async function startBulwark(config: Config, options: StartOptions = {}): Promise<RunningBulwark> {
  const logger = options.logger ?? createLogger({ level: config.logging.level });
  const unsubscribeLogs = subscribeGatewayLogs(logger);
  const host = new GatewayHost(new Gateway(config, gatewayDeps));
  const metrics = new GatewayMetrics({ poolStatus: () => host.current.status() });
  const reloadFailures = configReloadFailures(metrics.registry);
  const handleUpgrade: Gateway['handleUpgrade'] = (req, socket, head) =>
    host.current.handleUpgrade(req, socket, head);
  const listeners = new Listeners((address) =>
    startHttpServer(address, host.handle, config.limits).then((running) => {
      proxyWebSockets(running.server, handleUpgrade);
      return running;
    }),
  );
  const tlsListener = new TlsListener((address, pair) =>
    startTlsServer(address, pair, host.handle, config.limits).then((running) => {
      proxyWebSockets(running.server, handleUpgrade);
      return running;
    }),
  );
  let live = config;
  let isReady = false;
  host.current.start();

  // Outlives every gateway snapshot: a reload re-applies the operator's runtime overrides to the new one.
  const endpointOverrides = new EndpointOverrides();
  const reloader = new Reloader(options.configPath, {
    load: () => loadConfigFile(options.configPath ?? ''),
    async apply(next) {
      const gateway = new Gateway(next, gatewayDeps);
      gateway.inheritHealthFrom(host.current);
      gateway.start();
      try {
        await listeners.sync([next.listen.gateway]);
        await tlsListener.sync(next.listen.gatewayTls);
      } catch (error) {
        await gateway.stop();
        throw error;
      }
      // No await from here to the swap, or an admin write could reach only the old gateway.
      gateway.continueSlowStartFrom(host.current);
      const { dropped } = endpointOverrides.applyTo(gateway);
      if (dropped.length > 0)
        logger.warn(
          { event: 'overrides-dropped', dropped },
          'runtime overrides for endpoints no longer in the config were dropped',
        );
      const previous = host.swap(gateway);
      live = next;
      logger.level = next.logging.level;
      logger.info({ event: 'config-reloaded', config: options.configPath }, 'config reloaded');
      // The old graph finishes its requests in the background; the new one already takes all new ones.
      void previous
        .drain(next.gateway.drainTimeoutMs)
        .then(() => previous.stop())
        .catch((error: unknown) =>
          logger.error({ event: 'drain-failed', err: error }, 'old config did not stop cleanly'),
        );
    },
    onFailure(error) {
      reloadFailures.inc();
      logger.error(
        { event: 'config-reload-failed', err: error },
        'config reload failed; the running config stays',
      );
    },
  });

  const admin = await startAdminServer({
    ...config.listen.admin,
    metrics,
    isReady: () => isReady,
    logger,
    endpointControl: { gateway: () => host.current, overrides: endpointOverrides },
    adminTokens: () => live.admin.tokens,
    configStatus: () => reloader.status,
  }).catch(async (error: unknown) => {
    await host.current.stop();
    throw error;
  });
  try {
    await listeners.sync([config.listen.gateway]);
    await tlsListener.sync(config.listen.gatewayTls);
  } catch (error) {
    await Promise.all([admin.close(), host.current.stop(), listeners.closeAll().closed]);
    throw error;
  }
  const stopWatching =
    options.configPath && options.watch !== false
      ? watchConfigFile(options.configPath, () => void reloader.reload())
      : () => undefined;
  isReady = true;
  const gatewayUrl = listeners.urls[0] ?? '';
  logger.info(
    {
      event: 'started',
      gateway: gatewayUrl,
      gatewayTls: tlsListener.url,
      admin: admin.url,
      config: options.configPath,
    },
    'bulwark started',
  );

  return {
    gatewayUrl,
    get gatewayTlsUrl() {
      return tlsListener.url;
    },
    adminUrl: admin.url,
    logger,
    reload: () => reloader.reload(),
    configStatus: () => reloader.status,
    async stop() {
      // Readiness fails first, so an outer balancer stops sending before the listener goes.
      isReady = false;
      stopWatching();
      const listening = listeners.closeAll();
      const tlsListening = tlsListener.closeAll();
      const { cutOff } = await host.current.drain(live.gateway.drainTimeoutMs);
      // An upgraded (WebSocket) connection holds its listener open, and closeAllConnections skips it.
      host.current.closeUpgrades();
      listening.cutOff();
      tlsListening.cutOff();
      await Promise.all([listening.closed, tlsListening.closed]);
      await Promise.all([host.current.stop(), admin.close()]);
      metrics.close();
      unsubscribeLogs();
      logger.info({ event: 'stopped', cutOff }, 'bulwark stopped');
    },
  };
}
