/** What the guard needs of a socket, written out so core imports no node module. */
export interface AddressedSocket {
  /** Undefined once the peer has reset the connection. */
  readonly remoteAddress?: string | undefined;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * Caps open connections per client address, so one host cannot hold every socket the process has: the
 * gateway's `limits.max_connections_per_ip`, and the status and admin listeners' own caps. The map holds only
 * addresses with open connections: an entry goes when its last socket closes, so a scan from many addresses
 * leaves nothing behind. What a refusal sends is the listener's business (`refuse`).
 */
export class ConnectionGuard<S extends AddressedSocket> {
  readonly #maxPerIp: number;
  readonly #refuse: (socket: S) => void;
  readonly #openByIp = new Map<string, number>();

  constructor(maxPerIp: number, refuse: (socket: S) => void) {
    this.#maxPerIp = maxPerIp;
    this.#refuse = refuse;
  }

  /** Addresses with at least one open connection (tests check that the map does not leak). */
  get trackedAddresses(): number {
    return this.#openByIp.size;
  }

  /** For the server's 'connection' event: counts the socket, or refuses it at once when over the cap. */
  readonly admit = (socket: S): void => {
    const ip = socket.remoteAddress;
    // Already reset by the peer: it is closing and has no address to charge.
    if (ip === undefined) return;
    const open = this.#openByIp.get(ip) ?? 0;
    if (open >= this.#maxPerIp) return this.#refuse(socket);
    this.#openByIp.set(ip, open + 1);
    socket.once('close', () => {
      const left = (this.#openByIp.get(ip) ?? 1) - 1;
      if (left > 0) this.#openByIp.set(ip, left);
      else this.#openByIp.delete(ip);
    });
  };
}
