/** What the guard needs of a socket, written out so core imports no node module. */
export interface AddressedSocket {
  /** Undefined once the peer has reset the connection. */
  readonly remoteAddress?: string | undefined;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * Caps open connections per client, so one host cannot hold every socket the process has: the gateway's
 * `limits.max_connections_per_ip`, and the status and admin listeners' own caps. A client is what
 * `clientKeyOf` makes of its address. The map holds only clients with open connections: an entry goes when
 * its last socket closes, so a scan from many addresses leaves nothing behind. What a refusal sends is the
 * listener's business (`refuse`).
 */
export class ConnectionGuard<S extends AddressedSocket> {
  readonly #maxPerIp: number;
  readonly #refuse: (socket: S) => void;
  readonly #openByClient = new Map<string, number>();

  constructor(maxPerIp: number, refuse: (socket: S) => void) {
    this.#maxPerIp = maxPerIp;
    this.#refuse = refuse;
  }

  /** Clients with at least one open connection (tests check that the map does not leak). */
  get trackedAddresses(): number {
    return this.#openByClient.size;
  }

  /** For the server's 'connection' event: counts the socket, or refuses it at once when over the cap. */
  readonly admit = (socket: S): void => {
    const address = socket.remoteAddress;
    // Already reset by the peer: it is closing and has no address to charge.
    if (address === undefined) return;
    const client = clientKeyOf(address);
    const open = this.#openByClient.get(client) ?? 0;
    if (open >= this.#maxPerIp) return this.#refuse(socket);
    this.#openByClient.set(client, open + 1);
    socket.once('close', () => {
      const left = (this.#openByClient.get(client) ?? 1) - 1;
      if (left > 0) this.#openByClient.set(client, left);
      else this.#openByClient.delete(client);
    });
  };
}

/**
 * Who a connection is charged to: an IPv4 address as it is, an IPv6 one by its /64. A single IPv6 host is
 * usually handed a whole /64 (RFC 6177; SLAAC needs one), so counting its addresses apart let it open
 * 2^64 × the cap. An IPv4-mapped address (`::ffff:1.2.3.4`, how a dual-stack listener sees IPv4) is the IPv4 one.
 */
export function clientKeyOf(address: string): string {
  if (!address.includes(':')) return address;
  // The rate limiter keys every request with this. Sockets report RFC 5952 text, whose /64 is its first
  // four groups as written: 0.1 µs where the general parse below takes 0.9 µs.
  const canonicalPrefix = canonicalWithPrefix.exec(address)?.[1];
  if (canonicalPrefix !== undefined) return `${canonicalPrefix}::/64`;
  const groups = ipv6GroupsOf(address);
  // Not an address node would report; charged as written rather than guessed at.
  if (groups === undefined) return address;
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff)
    return [groups[6] ?? 0, groups[7] ?? 0].flatMap((group) => [group >> 8, group & 0xff]).join('.');
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

const hexGroup = '(?:0|[1-9a-f][0-9a-f]{0,3})';
/**
 * Four canonical groups, then four more or `::` and at most three: the shapes a global address takes. A zero
 * first group (loopback, IPv4-mapped `0:0:0:0:0:ffff:…`) is left to the general parse.
 */
const canonicalWithPrefix = new RegExp(
  `^([1-9a-f][0-9a-f]{0,3}:${hexGroup}:${hexGroup}:${hexGroup}):(?:${hexGroup}:${hexGroup}:${hexGroup}:${hexGroup}|:(?:${hexGroup}(?::${hexGroup}){0,2})?)$`,
);

/** The eight 16-bit groups of an IPv6 address in any textual form (RFC 4291 §2.2), or undefined. */
function ipv6GroupsOf(address: string): number[] | undefined {
  // A zone (`fe80::1%eth0`) names the interface, not the host.
  const [text = ''] = address.split('%', 1);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const [head, tail] = halves.map((half) => (half === '' ? [] : groupsOf(half)));
  if (head === undefined || (halves.length === 2 && tail === undefined)) return undefined;
  const missing = 8 - head.length - (tail?.length ?? 0);
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  return [...head, ...Array<number>(missing).fill(0), ...(tail ?? [])];
}

/** Colon-separated groups; the last may be a dotted IPv4 address, which makes two. */
function groupsOf(part: string): number[] | undefined {
  const groups: number[] = [];
  const pieces = part.split(':');
  for (const [i, piece] of pieces.entries()) {
    if (i === pieces.length - 1 && piece.includes('.')) {
      const octets = piece.split('.').map((octet) => (/^\d{1,3}$/.test(octet) ? Number(octet) : NaN));
      if (octets.length !== 4 || octets.some((octet) => !(octet <= 255))) return undefined;
      const [a = 0, b = 0, c = 0, d = 0] = octets;
      groups.push((a << 8) | b, (c << 8) | d);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) groups.push(parseInt(piece, 16));
    else return undefined;
  }
  return groups;
}
