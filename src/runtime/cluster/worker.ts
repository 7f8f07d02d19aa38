import type { Config } from '../../config/index.ts';
import type { Gateway } from '../../gateway/gateway.ts';
import {
  createLogger,
  GatewayMetrics,
  registerDataPlaneGauges,
  subscribeGatewayLogs,
  type Logger,
  type PoolStatusReader,
} from '../../observability/index.ts';
import { DataPlane } from '../data-plane.ts';
import { httpHealthProbe } from '../http-health-probe.ts';
import { RemoteRateLimitStore } from './remote-rate-limits.ts';
import { pinsOf, withPins, type ListenPin } from './listen-pins.ts';
import { isMessage, type ControlSnapshot, type PrimaryMessage, type WorkerMessage } from './messages.ts';

/** The IPC end a worker talks through: `process` in a real cluster worker. */
export interface WorkerChannel {
  send(message: WorkerMessage, done?: () => void): void;
  onMessage(handler: (message: unknown) => void): void;
}

/**
 * A gateway worker: the data plane only. No active checks (the primary pushes verdicts), no admin
 * listener, no config file; passive outlier detection stays local to the worker's own traffic.
 */
export function runWorker(channel: WorkerChannel, exit: (code: number) => void): { drain(): Promise<void> } {
  let plane: DataPlane | undefined;
  let metrics: GatewayMetrics | undefined;
  let logger: Logger | undefined;
  // logging.access_log, read by the log subscriber per request: a reload flips it in place.
  const accessLog = { isOn: false };
  let stopping: Promise<void> | undefined;
  /** The ports this worker's port-0 listeners were bound as; a reload must name them alike to keep them. */
  let pins: readonly ListenPin[] = [];
  // One swap at a time: a catch-up reload for a late starter may cross a broadcast one.
  let swapping: Promise<unknown> = Promise.resolve();
  const rateLimits = new RemoteRateLimitStore((id, requests) =>
    channel.send({ type: 'rate-take', id, requests }),
  );

  const open = async (config: Config, snapshot: ControlSnapshot, log: Logger): Promise<DataPlane> => {
    // Its pools are never checked here; the factory only opens connections when a check runs.
    const opened = new DataPlane(config, {
      activeHealthChecks: false,
      healthProbeFor: httpHealthProbe,
      logger: log,
      rateLimitStore: rateLimits,
    });
    applySnapshot(opened.gateway, snapshot);
    await opened.start();
    return opened;
  };

  const start = async (message: Extract<PrimaryMessage, { type: 'start' }>): Promise<void> => {
    const { config, snapshot } = message;
    const log = createLogger({ level: config.logging.level }).child({ worker: message.slot });
    logger = log;
    accessLog.isOn = config.logging.accessLog;
    subscribeGatewayLogs(log, { accessLog });
    // The plane's status: requests a reload's replaced config still finishes count too.
    metrics = createWorkerMetrics(() => plane?.status() ?? []);
    const pinned = withPins(config, message.pins);
    try {
      plane = await open(pinned, snapshot, log);
      pins = message.pins;
    } catch (error) {
      // node:cluster keys a shared listener by the address as written: while a worker still holds
      // `host:0`, its port cannot be bound as `host:port`, but joining `host:0` gets that same port.
      if (pinned === config || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      plane = await open(config, snapshot, log);
    }
    const { gatewayUrl, gatewayTlsUrl } = plane;
    channel.send({ type: 'ready', gatewayUrl, gatewayTlsUrl, pins: pinsOf(config, plane) });
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // First, so the primary stops counting this worker as serving and sends it no reload.
      channel.send({ type: 'draining' });
      // A swap under way finishes first (it never waits for connections); queued ones see `stopping` and skip.
      await swapping;
      // The plane's own config says how long to keep serving (shutdown_delay) and to drain.
      const { cutOff } = plane ? await plane.stop() : { cutOff: 0 };
      metrics?.close();
      channel.send({ type: 'stopped', cutOff }, () => exit(0));
    })();
    return stopping;
  };

  const handle = async (message: PrimaryMessage): Promise<void> => {
    switch (message.type) {
      case 'start':
        return start(message).catch((error: unknown) =>
          channel.send({ type: 'start-failed', error: errorText(error) }, () => exit(1)),
        );
      case 'reload': {
        const { reloadId, snapshot } = message;
        if (!plane || stopping) return channel.send({ type: 'reloaded', reloadId, error: 'not running' });
        const live = plane;
        const swap = swapping.then(() => {
          if (stopping) throw new Error('not running');
          return live.swapTo(withPins(message.config, pins), (gateway) => applySnapshot(gateway, snapshot));
        });
        swapping = swap.catch(() => undefined);
        return swap.then(
          () => {
            // As the primary's: a reload changes the level at once (its children follow the logger's).
            if (logger) logger.level = message.config.logging.level;
            accessLog.isOn = message.config.logging.accessLog;
            channel.send({ type: 'reloaded', reloadId, pins: pinsOf(message.config, live) });
          },
          (error: unknown) => channel.send({ type: 'reloaded', reloadId, error: errorText(error) }),
        );
      }
      case 'snapshot':
        if (plane) applySnapshot(plane.gateway, message.snapshot);
        return;
      case 'rate-decision':
        return rateLimits.settle(message.id, message.decision);
      case 'metrics-request': {
        const json = metrics ? await metrics.registry.getMetricsAsJSON() : [];
        return channel.send({ type: 'metrics', requestId: message.requestId, metrics: json });
      }
      case 'drain':
        return stop();
    }
  };

  channel.onMessage((message) => {
    if (!isMessage<PrimaryMessage>(message)) return;
    handle(message).catch((error: unknown) =>
      logger?.error({ event: 'worker-message-failed', err: error, message: message.type }, 'worker failed'),
    );
  });
  channel.send({ type: 'hello' });
  return { drain: stop };
}

/** The primary's decisions win over the worker's config: health verdicts, drain state, run-time weights. */
export function applySnapshot(gateway: Gateway, snapshot: ControlSnapshot): void {
  gateway.applyHealth(snapshot.health);
  for (const { pool, endpoint, state, weight } of snapshot.control) {
    gateway.setEndpointState(pool, endpoint, state);
    gateway.setEndpointWeight(pool, endpoint, weight);
  }
}

/**
 * A worker's registry: its traffic's counters, and the gauges its own traffic decides (ejections, overload
 * gates, in-flight), which the primary's /metrics combines with its own and the other workers'.
 */
export function createWorkerMetrics(
  readPools: PoolStatusReader,
  { processMetrics = true }: { readonly processMetrics?: boolean } = {},
): GatewayMetrics {
  const metrics = new GatewayMetrics({ overloadStatus: readPools, processMetrics });
  registerDataPlaneGauges(metrics.registry, readPools);
  return metrics;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
