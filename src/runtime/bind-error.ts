/** Where a listener binds, as its `listen.*` key gives it. */
export interface BindAddress {
  readonly host: string;
  readonly port: number;
}

export const addressText = (address: BindAddress): string =>
  `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;

/**
 * A listener's bind failure named by its config key (`listen.gateway: 127.0.0.1:8080 is in use`), so a start
 * or a reload's status (`/api/v1/config/status`) says which setting to change rather than a bare
 * `listen EADDRINUSE`. `heldBy` is this process's own listener on the same port under another host: Linux
 * refuses `0.0.0.0:P` while `127.0.0.1:P` is bound, so a reload cannot move a port between hosts.
 */
export function bindError(key: string, address: BindAddress, error: unknown, heldBy?: BindAddress): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // The code stays readable where it was: a cluster worker retries its pinned port on EADDRINUSE (worker.ts).
  return Object.assign(describe(key, address, error, code, heldBy), { code });
}

function describe(
  key: string,
  address: BindAddress,
  error: unknown,
  code: string | undefined,
  heldBy: BindAddress | undefined,
): Error {
  const where = `${key}: ${addressText(address)}`;
  if (code === 'EADDRINUSE' && heldBy !== undefined) {
    const message = `${where} is in use by this gateway's own listener on ${addressText(heldBy)}: a reload cannot move a port to another host; restart to do that`;
    return new Error(message, { cause: error });
  }
  if (code === 'EADDRINUSE') return new Error(`${where} is in use`, { cause: error });
  if (code === 'EACCES') return new Error(`${where} needs privileges this process lacks`, { cause: error });
  if (code === 'EADDRNOTAVAIL')
    return new Error(`${where} is not an address of this machine`, { cause: error });
  return new Error(`${where} cannot be bound: ${String((error as Error | undefined)?.message ?? error)}`, {
    cause: error,
  });
}
