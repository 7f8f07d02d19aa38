import { systemClock, type Clock } from './clock.ts';
import { ConnectionGuard, type AddressedSocket } from './connection-guard.ts';

/**
 * What the status and admin listeners bound. They share the process, and so its file-descriptor limit, with
 * the gateway: without these, idle sockets on one of them took every descriptor and the gateway hung.
 */
export interface ListenerLimits {
  /** From a connection's (or a keep-alive request's) first byte to the end of its headers. */
  readonly headerTimeoutMs: number;
  /** From a request's first byte to the end of its body; also bounds the headers. */
  readonly requestTimeoutMs: number;
  /** How long a connection may sit idle between requests. */
  readonly keepAliveTimeoutMs: number;
  /** Open connections on the listener; node closes any further one as it is accepted. */
  readonly maxConnections: number;
  /** Open connections per client (an IPv4 address, an IPv6 /64: see clientKeyOf); 0 is off. */
  readonly maxConnectionsPerIp: number;
}

/** Any of the limits, as a listener's options (and config) give them; the rest take the listener's defaults. */
export type ListenerSettings = { readonly [K in keyof ListenerLimits]?: number | undefined };

export function limitsOf(defaults: ListenerLimits, settings: ListenerSettings): ListenerLimits {
  return {
    headerTimeoutMs: settings.headerTimeoutMs ?? defaults.headerTimeoutMs,
    requestTimeoutMs: settings.requestTimeoutMs ?? defaults.requestTimeoutMs,
    keepAliveTimeoutMs: settings.keepAliveTimeoutMs ?? defaults.keepAliveTimeoutMs,
    maxConnections: settings.maxConnections ?? defaults.maxConnections,
    maxConnectionsPerIp: settings.maxConnectionsPerIp ?? defaults.maxConnectionsPerIp,
  };
}

/** node:http's createServer options for `limits` (they go in at construction: node reads the interval only then). */
export function httpSettingsOf(limits: ListenerLimits) {
  // node refuses a header timeout longer than the request timeout.
  const headersTimeout = Math.min(limits.headerTimeoutMs, limits.requestTimeoutMs);
  return {
    headersTimeout,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // node checks both timeouts on this interval (default 30 s, which let a slow client stay 72 s):
    // at most a quarter of the header timeout late, and never more than 1 s.
    connectionsCheckingInterval: Math.max(10, Math.floor(Math.min(headersTimeout, 4_000) / 4)),
  };
}

/** Connections refused since the last report: over the per-address cap, and over the listener's total. */
export interface RefusedConnections {
  readonly overPerIp: number;
  readonly overTotal: number;
  readonly periodMs: number;
}

/** What a socket over a cap needs: a last word, then gone. */
export interface RefusableSocket extends AddressedSocket {
  write(data: string | Uint8Array): unknown;
  destroy(): unknown;
}

/** The parts of a node server the guard sets and listens to, written out so core imports no node module. */
export interface GuardableServer<S> {
  maxConnections: number;
  /** node ≥ 22.12; absent from @types/node. */
  dropMaxConnection?: boolean;
  on(event: 'connection', listener: (socket: S) => void): unknown;
  on(event: 'drop', listener: () => void): unknown;
}

/** What guardListener enforces: a listener's own limits, or the gateway's. */
export type ListenerCaps = Pick<ListenerLimits, 'maxConnections' | 'maxConnectionsPerIp'>;

export interface ListenerGuardOptions {
  /**
   * What a client over the per-address cap reads: the JSON error `{"error":{"code","message"}}`, or the whole
   * response, made afresh for each refusal (the gateway's carries a request id).
   */
  readonly refusal: { readonly code: string; readonly message: string } | (() => string | Uint8Array);
  /** At once for the first refusal after a quiet spell, then at most once per `reportEveryMs`. */
  readonly report: (refused: RefusedConnections) => void;
  readonly reportEveryMs?: number | undefined;
  readonly clock?: Clock | undefined;
}

/**
 * Caps `server`'s connections in total and per client (an IPv4 address, an IPv6 /64). Per connection, never
 * per request: no request path costs anything more. Returns the function that stops it, reporting what is left.
 */
export function guardListener<S extends RefusableSocket>(
  server: GuardableServer<S>,
  limits: ListenerCaps,
  options: ListenerGuardOptions,
): () => void {
  const tally = new RefusalTally(
    options.report,
    options.reportEveryMs ?? 10_000,
    options.clock ?? systemClock,
  );
  server.maxConnections = limits.maxConnections;
  // In a cluster worker a full server otherwise declines the connection, and the primary offers it to the next
  // worker, round and round while all are full; this way the worker takes it and drops it as a lone server does.
  server.dropMaxConnection = true;
  server.on('drop', () => tally.count('overTotal'));
  if (limits.maxConnectionsPerIp > 0) {
    const { refusal } = options;
    const fixed = typeof refusal === 'function' ? '' : refusalResponse(refusal.code, refusal.message);
    const refuse = (socket: S): void => {
      tally.count('overPerIp');
      // Written on a fresh socket it leaves at once; destroyed in the same tick, before node's parser reads.
      socket.write(typeof refusal === 'function' ? refusal() : fixed);
      socket.destroy();
    };
    server.on('connection', new ConnectionGuard<S>(limits.maxConnectionsPerIp, refuse).admit);
  }
  return () => tally.stop();
}

function refusalResponse(code: string, message: string): string {
  const body = JSON.stringify({ error: { code, message } });
  // Only the server's own words, so ASCII: the string's length is its length in bytes.
  return (
    'HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n' +
    `content-length: ${body.length}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`
  );
}

/**
 * Refusals come by the thousand exactly when a listener is flooded: counted, and reported once per period
 * rather than once per socket. A timer flushes the last period, so a burst that stops is still told whole.
 */
class RefusalTally {
  readonly #report: (refused: RefusedConnections) => void;
  readonly #everyMs: number;
  readonly #clock: Clock;
  #counts = { overPerIp: 0, overTotal: 0 };
  #since = 0;
  #cancel: (() => void) | undefined;

  constructor(report: (refused: RefusedConnections) => void, everyMs: number, clock: Clock) {
    this.#report = report;
    this.#everyMs = everyMs;
    this.#clock = clock;
  }

  count(kind: 'overPerIp' | 'overTotal'): void {
    this.#counts[kind] += 1;
    // Within a period: its timer will tell. After a quiet spell: news at once, and a period starts.
    if (this.#cancel !== undefined) return;
    this.#since = this.#clock.nowMs();
    this.#flushAndWait();
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#flush();
  }

  #flushAndWait(): void {
    this.#flush();
    this.#cancel = this.#clock.setTimer(this.#everyMs, () => {
      this.#cancel = undefined;
      if (this.#counts.overPerIp + this.#counts.overTotal > 0) this.#flushAndWait();
    });
  }

  #flush(): void {
    const { overPerIp, overTotal } = this.#counts;
    const nowMs = this.#clock.nowMs();
    if (overPerIp + overTotal > 0) this.#report({ overPerIp, overTotal, periodMs: nowMs - this.#since });
    this.#counts = { overPerIp: 0, overTotal: 0 };
    this.#since = nowMs;
  }
}

/** One line for the log: how many, over which cap (named as config spells it), in how long. */
export function describeRefusals(
  listener: string,
  refused: RefusedConnections,
  limits: ListenerCaps,
): string {
  const parts = [
    refused.overPerIp > 0
      ? `${refused.overPerIp} over max_connections_per_ip (${limits.maxConnectionsPerIp})`
      : '',
    refused.overTotal > 0 ? `${refused.overTotal} over max_connections (${limits.maxConnections})` : '',
  ].filter((part) => part !== '');
  const periodS = Math.round(refused.periodMs / 1000);
  return `${listener} refused connections${periodS > 0 ? ` in the last ${periodS} s` : ''}: ${parts.join(', ')}`;
}
