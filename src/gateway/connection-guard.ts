import type { Socket } from 'node:net';
import { rawErrorResponse } from './client-errors.ts';
import { requestIds } from './request-id.ts';

/**
 * Caps open connections per client address (`limits.max_connections_per_ip`), so one host cannot hold
 * every socket the process has. The map holds only addresses with open connections: an entry goes when its
 * last socket closes, so a scan from many addresses leaves nothing behind.
 */
export class ConnectionGuard {
  readonly #maxPerIp: number;
  readonly #openByIp = new Map<string, number>();

  constructor(maxPerIp: number) {
    this.#maxPerIp = maxPerIp;
  }

  /** Addresses with at least one open connection (tests check that the map does not leak). */
  get trackedAddresses(): number {
    return this.#openByIp.size;
  }

  /** For the server's 'connection' event: counts the socket, or refuses it at once when over the cap. */
  readonly admit = (socket: Socket): void => {
    const ip = socket.remoteAddress;
    // Already reset by the peer: it is closing and has no address to charge.
    if (ip === undefined) return;
    const open = this.#openByIp.get(ip) ?? 0;
    if (open >= this.#maxPerIp) return refuse(socket, this.#maxPerIp);
    this.#openByIp.set(ip, open + 1);
    socket.once('close', () => {
      const left = (this.#openByIp.get(ip) ?? 1) - 1;
      if (left > 0) this.#openByIp.set(ip, left);
      else this.#openByIp.delete(ip);
    });
  };
}

/**
 * A 503 the client can read if it looks, then the socket goes in the same tick, before node's parser can
 * read a request from it. As node does for its own parse errors: write (it leaves at once on a fresh
 * socket), then destroy.
 */
function refuse(socket: Socket, maxPerIp: number): void {
  socket.write(
    rawErrorResponse(
      503,
      'GW_TOO_MANY_CONNECTIONS',
      `too many open connections from this address (limits.max_connections_per_ip: ${maxPerIp})`,
      requestIds.next(),
    ),
  );
  socket.destroy();
}
