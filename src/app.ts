import { startAdminServer } from './admin/http/server.ts';
import type { Config } from './config/schema.ts';
import { systemClock } from './core/clock.ts';
import { Gateway } from './gateway/gateway.ts';
import { startHttpServer } from './gateway/server.ts';
import { createLogger, GatewayMetrics, subscribeGatewayLogs, type Logger } from './observability/index.ts';

/** A running Bulwark: addresses it bound (ports resolved when 0 was asked) and how to stop it. */
export interface RunningBulwark {
  readonly gatewayUrl: string;
  readonly adminUrl: string;
  readonly logger: Logger;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where the config came from, for logs. */
  readonly configPath?: string | undefined;
  /** Replaces the stdout logger (tests). */
  readonly logger?: Logger | undefined;
}

/** The composition root: the only place where concrete classes meet. */
export async function startBulwark(config: Config, options: StartOptions = {}): Promise<RunningBulwark> {
  const logger = options.logger ?? createLogger({ level: config.logging.level });
  const unsubscribeLogs = subscribeGatewayLogs(logger);
  const gateway = new Gateway(config, { clock: systemClock, random: Math.random });
  const metrics = new GatewayMetrics({ poolStatus: () => gateway.status() });
  let isReady = false;
  gateway.start();
  const cleanups: (() => Promise<void> | void)[] = [
    () => gateway.stop(),
    () => metrics.close(),
    unsubscribeLogs,
  ];
  try {
    const gatewayServer = await startHttpServer(config.listen.gateway, gateway.handle);
    cleanups.unshift(() => gatewayServer.close());
    const admin = await startAdminServer({ ...config.listen.admin, metrics, isReady: () => isReady, logger });
    cleanups.unshift(() => admin.close());
    isReady = true;
    logger.info(
      { event: 'started', gateway: gatewayServer.url, admin: admin.url, config: options.configPath },
      'bulwark started',
    );
    return {
      gatewayUrl: gatewayServer.url,
      adminUrl: admin.url,
      logger,
      async stop() {
        isReady = false;
        await runAll(cleanups);
        logger.info({ event: 'stopped' }, 'bulwark stopped');
      },
    };
  } catch (error) {
    await runAll(cleanups);
    throw error;
  }
}

async function runAll(cleanups: readonly (() => Promise<void> | void)[]): Promise<void> {
  for (const cleanup of cleanups) await cleanup();
}
