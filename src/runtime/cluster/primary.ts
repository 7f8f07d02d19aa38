import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { RunningBulwark, StartOptions } from '../../app.ts';
import { startAdminServer } from '../../admin/http/server.ts';
import { bindError } from '../bind-error.ts';
import { loadConfigFile, watchConfigFile, type Config } from '../../config/index.ts';
import { channelNames, type PoolStatus } from '../../core/index.ts';
import { systemClock } from '../../core/clock.ts';
import { Gateway } from '../../gateway/gateway.ts';
import {
  configReloadFailures,
  createLogger,
  GatewayMetrics,
  subscribeGatewayLogs,
} from '../../observability/index.ts';
import { EndpointOverrides } from '../../services/index.ts';
import { GatewayHost } from '../gateway-host.ts';
import { httpHealthProbe } from '../http-health-probe.ts';
import { Reloader } from '../reloader.ts';
import { readCertificatePair } from '../tls-listener.ts';
import { ClusterMetrics, type WorkerScrape } from './cluster-metrics.ts';
import { controlSnapshotOf, type PrimaryMessage, type WorkerMessage } from './messages.ts';
import { WorkerSupervisor } from './worker-supervisor.ts';
import { mergePins, type ListenPin } from './listen-pins.ts';
import { LocalRateLimitStore } from '../../gateway/overload/rate-limit-store.ts';
import { workerShareOf } from './share-limits.ts';
import { ControlPlane } from '../control-plane.ts';
import { trafficReadingOf } from '../traffic-reader.ts';
import { workersViewOf } from './workers-view.ts';
import { warnOfRestartSettings } from '../restart-settings.ts';
import { descriptorDemandOf, readOpenFileLimit, warnOfDescriptorLimit } from '../descriptor-budget.ts';

export interface ClusterStartOptions extends StartOptions {
  /** Gateway worker processes, > 1 (config gateway.workers resolved). */
  readonly workers: number;
  /** One human line per worker event (started, crashed, replaced); the CLI writes them to stderr. */
  readonly notify?: ((line: string) => void) | undefined;
}

const gatewayDeps = { clock: systemClock, random: Math.random, healthProbeFor: httpHealthProbe };
const metricsTimeoutMs = 2_000;
const reloadTimeoutMs = 15_000;

/**
 * The cluster primary: the whole control plane (active health checks, admin listener, config reload) and
 * no gateway listener. Its Gateway is never served; it runs the checks, and every verdict or endpoint
 * control change is pushed to the workers as a snapshot.
 */
export async function startBulwarkCluster(
  config: Config,
  options: ClusterStartOptions,
): Promise<RunningBulwark> {
  const logger = options.logger ?? createLogger({ level: config.logging.level });
  warnOfDescriptorLimit(logger, descriptorDemandOf(config, options.workers), await readOpenFileLimit());
  const notify = options.notify ?? (() => undefined);
  const unsubscribeLogs = subscribeGatewayLogs(logger);
  const host = new GatewayHost(new Gateway(config, gatewayDeps));
  // The primary's gates and throttles see no traffic: the overload gauges come from the workers instead.
  const metrics = new GatewayMetrics({ poolStatus: () => withoutOverload(host.current.status()) });
  const clusterMetrics = new ClusterMetrics(metrics);
  const endpointOverrides = new EndpointOverrides();
  const endpointControl = {
    gateway: () => host.current,
    overrides: endpointOverrides,
    // The workers hold the requests, eject and cool down; the primary's own gateway serves none.
    readWorkers: async () => {
      const { workers, totals } = await clusterMetrics.perWorker(await scrapeWorkers(supervisor));
      return workersViewOf(workers, totals);
    },
  };
  // Monitoring, alerting and the status page are control plane: they run here, never in the workers.
  const controlPlane = new ControlPlane(logger, {
    metrics,
    readTraffic: async () => trafficReadingOf(await clusterMetrics.json(await scrapeWorkers(supervisor))),
    poolStatus: () => host.current.status(),
    endpointControl,
  });
  const reloadFailures = configReloadFailures(metrics.registry);
  let live = config;
  // Every worker's rate-limit buckets, here, so the limits hold for the cluster as a whole.
  const rateLimits = new LocalRateLimitStore();
  let generation = 1;
  let isReady = false;
  const slotGeneration = new Map<number, number>();
  // Ports the workers bound for port-0 gateway listeners: replacements get them, so the address survives.
  let listenPins: readonly ListenPin[] = [];
  const snapshot = (): ReturnType<typeof controlSnapshotOf> => controlSnapshotOf(host.current.status());

  const reloadWorkers = async (only?: number): Promise<string[]> => {
    const message = (reloadId: number): PrimaryMessage => ({
      type: 'reload',
      reloadId,
      config: workerShareOf(live, options.workers),
      snapshot: snapshot(),
    });
    const replies = await supervisor.ask(message, reloadTimeoutMs, { onlySlot: only });
    return replies.flatMap(({ slot, reply }) => {
      if (reply === undefined) return [`worker ${slot} did not answer`];
      if (reply.type === 'reloaded' && reply.pins) listenPins = mergePins(listenPins, reply.pins);
      return reply.type === 'reloaded' && reply.error ? [`worker ${slot}: ${reply.error}`] : [];
    });
  };

  const supervisor = new WorkerSupervisor(options.workers, {
    logger,
    startMessage(slot) {
      slotGeneration.set(slot, generation);
      const config = workerShareOf(live, options.workers);
      return { type: 'start', slot, config, snapshot: snapshot(), pins: listenPins };
    },
    onReady(info, reply) {
      listenPins = mergePins(listenPins, reply.pins);
      notify(`bulwark: worker ${info.slot} pid ${info.pid} ready\n`);
      // The log line's own `pid` is the primary's: the worker's goes under a name of its own.
      const worker = { slot: info.slot, workerPid: info.pid, restarts: info.restarts };
      logger.info({ event: 'worker-ready', ...worker }, 'gateway worker ready');
      // It started from a config that a reload has replaced since: bring it up to date.
      if ((slotGeneration.get(info.slot) ?? generation) !== generation) {
        slotGeneration.set(info.slot, generation);
        void reloadWorkers(info.slot).then((errors) => {
          for (const error of errors)
            logger.error({ event: 'worker-reload-failed', error }, 'a starting worker missed a reload');
        });
      }
    },
    onReplace(info, exit, restartInMs) {
      const worker = { slot: info.slot, workerPid: info.pid, restarts: info.restarts, exit: exit.text };
      const how = exit.isCleanStop ? 'drained and exited' : `exited (${exit.text})`;
      notify(`bulwark: worker ${info.slot} pid ${info.pid} ${how}; replacing in ${restartInMs} ms\n`);
      // A worker stopped on its own SIGTERM (a restart of that one) is expected; any other exit is a crash.
      if (exit.isCleanStop)
        logger.info(
          { event: 'worker-stopped', ...worker, restartInMs },
          'gateway worker stopped; replacing it',
        );
      else
        logger.error(
          { event: 'worker-crashed', ...worker, restartInMs },
          'gateway worker died; replacing it',
        );
    },
    onExit: (workerId) => void clusterMetrics.retire(workerId),
    rateTake: (requests) => rateLimits.take(requests, performance.now()),
  });

  const stopPushing = pushSnapshotsOnChange(() =>
    supervisor.broadcast({ type: 'snapshot', snapshot: snapshot() }),
  );

  const reloader = new Reloader(options.configPath, {
    load: () => loadConfigFile(options.configPath ?? ''),
    async apply(next) {
      // Everything that can be refused is checked here first, so a bad file changes nothing anywhere.
      if (next.listen.gatewayTls) await readCertificatePair(next.listen.gatewayTls);
      await controlPlane.apply(next);
      const gateway = new Gateway(next, gatewayDeps);
      gateway.inheritHealthFrom(host.current);
      gateway.start();
      const { dropped } = endpointOverrides.applyTo(gateway);
      if (dropped.length > 0)
        logger.warn(
          { event: 'overrides-dropped', dropped },
          'runtime overrides for endpoints no longer in the config were dropped',
        );
      const previous = host.swap(gateway);
      live = next;
      generation++;
      for (const info of supervisor.workers) if (info.isReady) slotGeneration.set(info.slot, generation);
      await previous.stop();
      logger.level = next.logging.level;
      const errors = await reloadWorkers();
      if (errors.length > 0)
        throw new Error(`gateway workers could not apply the config: ${errors.join('; ')}`);
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

  host.current.start();
  let ready: Extract<WorkerMessage, { type: 'ready' }>;
  try {
    await controlPlane.apply(config);
    ready = await supervisor.start();
  } catch (error) {
    await Promise.all([
      supervisor.drain(config.gateway.drainTimeoutMs),
      host.current.stop(),
      controlPlane.stop(),
    ]);
    stopListening();
    throw error;
  }
  const admin = await startAdminServer({
    ...config.listen.admin,
    metrics: {
      contentType: clusterMetrics.contentType,
      metricsText: async () => clusterMetrics.text(await scrapeWorkers(supervisor)),
    },
    // No worker listening (all crashed, replacements starting) is not ready, whatever the primary does.
    isReady: () => isReady && supervisor.isServing,
    logger,
    endpointControl,
    adminTokens: () => live.admin.tokens,
    configStatus: () => reloader.status,
    monitors: controlPlane.monitors,
    alerts: controlPlane.alerts,
    status: controlPlane.status,
  }).catch(async (error: unknown) => {
    await Promise.all([
      supervisor.drain(config.gateway.drainTimeoutMs),
      host.current.stop(),
      controlPlane.stop(),
    ]);
    stopListening();
    throw bindError('listen.admin', config.listen.admin, error);
  });
  controlPlane.adminUrl = admin.url;
  const stopWatching =
    options.configPath && options.watch !== false
      ? watchConfigFile(options.configPath, () => void reloader.reload())
      : () => undefined;
  isReady = true;
  logger.info(
    {
      event: 'started',
      gateway: ready.gatewayUrl,
      admin: admin.url,
      workers: options.workers,
      config: options.configPath,
    },
    'bulwark started',
  );

  function stopListening(): void {
    stopPushing();
    metrics.close();
    unsubscribeLogs();
  }

  return {
    gatewayUrl: ready.gatewayUrl,
    gatewayTlsUrl: ready.gatewayTlsUrl,
    adminUrl: admin.url,
    get statusUrl() {
      return controlPlane.statusUrl;
    },
    logger,
    reload: () => reloader.reload(),
    configStatus: () => reloader.status,
    async stop() {
      // Readiness fails first, so an outer balancer stops sending before the workers' listeners go.
      isReady = false;
      stopWatching();
      // A reload under way finishes first (workers answer at once, as none waits for connections); queued
      // ones are skipped, so no worker is told to swap while it drains.
      await reloader.close();
      // Each worker runs the single-process drain; past shutdown_delay + drain_timeout (+ a margin to exit)
      // it is killed.
      await supervisor.drain(live.gateway.shutdownDelayMs + live.gateway.drainTimeoutMs + 5_000);
      await Promise.all([host.current.stop(), admin.close(), controlPlane.stop()]);
      stopListening();
      logger.info({ event: 'stopped' }, 'bulwark stopped');
    },
  };
}

/**
 * Calls `push` after every health verdict or endpoint control change in this process (the primary's
 * gateway), coalesced: one check round can flip several endpoints. Returns the unsubscribe.
 */
function pushSnapshotsOnChange(push: () => void): () => void {
  let isQueued = false;
  const onChange = (): void => {
    if (isQueued) return;
    isQueued = true;
    setImmediate(() => {
      isQueued = false;
      push();
    });
  };
  subscribe(channelNames.health, onChange);
  subscribe(channelNames.endpointControl, onChange);
  return () => {
    unsubscribe(channelNames.health, onChange);
    unsubscribe(channelNames.endpointControl, onChange);
  };
}

/**
 * Every running worker's registry, draining ones included (they still finish requests). One that does not
 * answer within the timeout is not in the list: ClusterMetrics counts it with its last scrape.
 */
async function scrapeWorkers(supervisor: WorkerSupervisor): Promise<WorkerScrape[]> {
  const request = (requestId: number): PrimaryMessage => ({ type: 'metrics-request', requestId });
  const replies = await supervisor.ask(request, metricsTimeoutMs, { orDraining: true });
  return replies.flatMap(({ slot, workerId, reply }) =>
    reply?.type === 'metrics' ? [{ slot, workerId, metrics: reply.metrics }] : [],
  );
}

/** Pool status minus what only workers know: their overload gates and throttles. */
function withoutOverload(pools: readonly PoolStatus[]): PoolStatus[] {
  return pools.map((pool) => ({ ...pool, overload: undefined }));
}
