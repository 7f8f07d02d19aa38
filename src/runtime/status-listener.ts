import type { Logger } from '../observability/index.ts';
import { bindError } from './bind-error.ts';
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

/** Binds the public status listener on `address`; a bind failure names `listen.status` (bind-error.ts). */
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
    throw bindError('listen.status', address, error);
  });
  logger.info({ url: server.url }, 'status page listening');
  return server;
}
