import type { Logger } from '../observability/index.ts';
import {
  startStatusServer,
  type RunningStatusServer,
  type StatusServerOptions,
} from '../status/status-server.ts';

/** Where the status page listens, as `listen.status` gives it. */
export interface StatusAddress {
  readonly host: string;
  readonly port: number;
}

/** A listener bound for a reload that moves listen.status, not serving the page's address yet. */
export interface PreparedStatusListener {
  readonly server: RunningStatusServer;
}

export const isSameAddress = (a: StatusAddress, b: StatusAddress): boolean =>
  a.host === b.host && a.port === b.port;

/**
 * Binds the public status listener on `address`. A bind failure names the config key, so a reload's status
 * (`/api/v1/config/status`) says which setting to change rather than a bare `listen EADDRINUSE`.
 */
export async function listenStatus(
  address: StatusAddress,
  options: Omit<StatusServerOptions, 'host' | 'port' | 'onError' | 'onRefused'>,
  logger: Logger,
): Promise<RunningStatusServer> {
  const server = await startStatusServer({
    ...options,
    ...address,
    onError: (error) =>
      logger.error({ event: 'status-request-failed', err: error }, 'a status page request failed'),
    // Refusals are the caps doing their job: a warning, like the admin listener's, not a failure.
    onRefused: (refused, summary) => logger.warn({ event: 'connections-refused', ...refused }, summary),
  }).catch((error: unknown) => {
    throw bindError(address, error);
  });
  logger.info({ url: server.url }, 'status page listening');
  return server;
}

function bindError(address: StatusAddress, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `listen.status: ${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  if (code === 'EADDRINUSE') return new Error(`${where} is in use`, { cause: error });
  if (code === 'EACCES') return new Error(`${where} needs privileges this process lacks`, { cause: error });
  if (code === 'EADDRNOTAVAIL')
    return new Error(`${where} is not an address of this machine`, { cause: error });
  return new Error(`${where} cannot be bound: ${String((error as Error | undefined)?.message ?? error)}`, {
    cause: error,
  });
}
