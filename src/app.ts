import { startAdminServer } from './admin/http/server.ts';
import { loadConfigFile, watchConfigFile, type Config } from './config/index.ts';
import {
  configReloadFailures,
  createLogger,
  GatewayMetrics,
  subscribeGatewayLogs,
  type Logger,
} from './observability/index.ts';
import { bindError } from './runtime/bind-error.ts';
import { ControlPlane } from './runtime/control-plane.ts';
import { DataPlane } from './runtime/data-plane.ts';
import { descriptorDemandOf, readOpenFileLimit, warnOfDescriptorLimit } from './runtime/descriptor-budget.ts';
import { httpHealthProbe } from './runtime/http-health-probe.ts';
import { metricsNamed, trafficMetricNames, trafficReadingOf } from './runtime/traffic-reader.ts';
import { Reloader, type ConfigStatus, type ReloadOutcome } from './runtime/reloader.ts';
import { warnOfRestartSettings } from './runtime/restart-settings.ts';
import { EndpointOverrides } from './services/index.ts';

/** A running Bulwark: addresses it bound (ports resolved when 0 was asked) and how to steer it. */
export interface RunningBulwark {
  readonly gatewayUrl: string;
  /** The TLS listener's URL when `listen.gateway_tls` is set. */
  readonly gatewayTlsUrl: string | undefined;
  readonly adminUrl: string;
  /** The public status page's URL when status_page is configured. */
  readonly statusUrl: string | undefined;
  readonly logger: Logger;
  /** Validates the config file again and swaps to it; a bad file changes nothing. */
  reload(): Promise<ReloadOutcome>;
  configStatus(): ConfigStatus;
  /**
   * Graceful: not ready at once, still serving for shutdown_delay (each response closing its connection),
   * then stop accepting and let open requests and streams finish within drain_timeout.
   */
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

/** The composition root: the only place where concrete classes meet. */
export async function startBulwark(config: Config, options: StartOptions = {}): Promise<RunningBulwark> {
  const logger = options.logger ?? createLogger({ level: config.logging.level });
  warnOfDescriptorLimit(logger, descriptorDemandOf(config, 1), await readOpenFileLimit());
  // Read per request by the log subscriber, so a reload turns the access log on or off at once.
  const accessLog = { isOn: config.logging.accessLog };
  const unsubscribeLogs = subscribeGatewayLogs(logger, { accessLog });
  const dataPlane = new DataPlane(config, {
    activeHealthChecks: true,
    healthProbeFor: httpHealthProbe,
    logger,
  });
  const metrics = new GatewayMetrics({ poolStatus: () => dataPlane.status() });
  // Outlives every gateway snapshot: a reload re-applies the operator's runtime overrides to the new one.
  const endpointOverrides = new EndpointOverrides();
  // The data plane, not its current graph: its pool status counts what replaced graphs still have in flight.
  const endpointControl = { gateway: () => dataPlane, overrides: endpointOverrides };
  const controlPlane = new ControlPlane(logger, {
    metrics,
    // Only the two gateway series, not the whole registry (process metrics, pool gauges, histograms).
    readTraffic: async () => trafficReadingOf(await metricsNamed(metrics.registry, trafficMetricNames)),
    poolStatus: () => dataPlane.status(),
    endpointControl,
  });
  const reloadFailures = configReloadFailures(metrics.registry);
  let live = config;
  let isReady = false;

  const reloader = new Reloader(options.configPath, {
    load: () => loadConfigFile(options.configPath ?? ''),
    async apply(next) {
      // What can fail in the data plane (an address, a certificate) fails before the control plane changes;
      // the gateway swaps only once the control plane took the config too (a store may not open).
      const swap = await dataPlane.prepare(next);
      try {
        await controlPlane.apply(next);
      } catch (error) {
        await swap.abort();
        throw error;
      }
      swap.commit((gateway) => {
        const { dropped } = endpointOverrides.applyTo(gateway);
        if (dropped.length > 0)
          logger.warn(
            { event: 'overrides-dropped', dropped },
            'runtime overrides for endpoints no longer in the config were dropped',
          );
      });
      live = next;
      logger.level = next.logging.level;
      accessLog.isOn = next.logging.accessLog;
      logger.info({ event: 'config-reloaded', config: options.configPath }, 'config reloaded');
      warnOfRestartSettings(logger, config, next);
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
    endpointControl,
    adminTokens: () => live.admin.tokens,
    configStatus: () => reloader.status,
    monitors: controlPlane.monitors,
    alerts: controlPlane.alerts,
    status: controlPlane.status,
  }).catch((error: unknown) => {
    throw bindError('listen.admin', config.listen.admin, error);
  });
  controlPlane.adminUrl = admin.url;
  try {
    await controlPlane.apply(config);
    await dataPlane.start();
  } catch (error) {
    await Promise.all([admin.close(), controlPlane.stop()]);
    throw error;
  }
  const stopWatching =
    options.configPath && options.watch !== false
      ? watchConfigFile(options.configPath, () => void reloader.reload())
      : () => undefined;
  isReady = true;
  logger.info(
    {
      event: 'started',
      gateway: dataPlane.gatewayUrl,
      gatewayTls: dataPlane.gatewayTlsUrl,
      admin: admin.url,
      status: controlPlane.statusUrl,
      config: options.configPath,
    },
    'bulwark started',
  );

  return {
    gatewayUrl: dataPlane.gatewayUrl,
    get gatewayTlsUrl() {
      return dataPlane.gatewayTlsUrl;
    },
    adminUrl: admin.url,
    get statusUrl() {
      return controlPlane.statusUrl;
    },
    logger,
    reload: () => reloader.reload(),
    configStatus: () => reloader.status,
    async stop() {
      // Readiness fails first, so an outer balancer stops sending before the listener goes; shutdown_delay is
      // the time it is given to notice.
      isReady = false;
      stopWatching();
      // A reload under way finishes first (it is short: it never waits for connections); queued ones are skipped.
      await reloader.close();
      const drained = await dataPlane.stop({ shutdownDelayMs: live.gateway.shutdownDelayMs });
      await controlPlane.stop();
      await admin.close();
      metrics.close();
      unsubscribeLogs();
      logger.info({ event: 'stopped', ...drained }, 'bulwark stopped');
    },
  };
}
