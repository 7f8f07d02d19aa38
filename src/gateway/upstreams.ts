import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { errors, Pool, type buildConnector, type Dispatcher } from 'undici';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../core/clock.ts';
import { ConnectionGate } from './connection-gate.ts';
import type { Endpoint } from './endpoint.ts';
import type { RequestBody } from './request-body.ts';
import { endpointConnector } from './upstream-tls.ts';

export interface UpstreamOptions {
  readonly maxConnections: number;
  readonly keepAliveTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxResponseHeaderBytes?: number | undefined;
}

// node's own default (--max-http-header-size), set here so a node flag cannot change what a pool accepts.
const defaultMaxResponseHeaderBytes = 16 * 1024;

/** undici reads `servername` from dispatch options (lib/core/request.js), though its types leave it out. */
export type UpstreamRequest = Dispatcher.DispatchOptions & { readonly servername?: string | undefined };

/** One attempt's request to `endpoint`: the client's method and target with the forwarded headers. */
export function upstreamRequest(
  req: IncomingMessage,
  headers: Record<string, string | string[]>,
  body: RequestBody,
  endpoint: Endpoint,
): UpstreamRequest {
  return {
    path: req.url ?? '/',
    method: req.method ?? 'GET',
    headers,
    servername: endpoint.serverName,
    body: body.kind === 'none' ? null : body.kind === 'buffered' ? body.bytes : body.readable,
    // The attempt times these itself (see Attempt): 0 turns undici's timers off.
    headersTimeout: 0,
    bodyTimeout: 0,
  };
}

/**
 * One keep-alive undici Pool per endpoint, behind a gate that sends it no more requests than it has
 * connections; the gateway balances across them itself.
 */
export class Upstreams {
  readonly #pools = new Map<Endpoint, Pool>();
  readonly #gates = new Map<Endpoint, ConnectionGate>();
  readonly #clock: Clock;

  /** `clock` times connects, as every other gateway timeout. */
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  add(endpoint: Endpoint, options: UpstreamOptions): void {
    // undici's own connect timer is off (0): it runs on its coarse clock, which fired a 100 ms timeout after
    // about a second and a 1 s one after 1.5 s. The connector below times the connect (and TLS) itself.
    const connect = withConnectTimeout(endpointConnector(endpoint, 0), options.connectTimeoutMs, this.#clock);
    const pool = new Pool(endpoint.url.origin, {
      connections: options.maxConnections,
      // undici lowers this further to the upstream's Keep-Alive hint minus 2 s, so we close idle sockets
      // before the upstream does and avoid the keep-alive race (resilience.md, pitfall 7).
      keepAliveTimeout: options.keepAliveTimeoutMs,
      keepAliveMaxTimeout: options.keepAliveTimeoutMs,
      connect,
      // One request per connection at a time: pipelining lets one slow response stall the next (pitfall 8).
      pipelining: 1,
      // Past it undici fails the attempt with UND_ERR_HEADERS_OVERFLOW (upstream-errors.ts).
      maxHeaderSize: options.maxResponseHeaderBytes ?? defaultMaxResponseHeaderBytes,
    });
    this.#pools.set(endpoint, pool);
    // Waiting for a free connection is part of getting connected: `timeouts.connect` bounds both.
    const { maxConnections, connectTimeoutMs: maxWaitMs } = options;
    const gate = new ConnectionGate(pool, { maxConnections, maxWaitMs }, this.#clock, endpoint);
    this.#gates.set(endpoint, gate);
  }

  get(endpoint: Endpoint): ConnectionGate {
    const gate = this.#gates.get(endpoint);
    if (!gate) throw new Error(`no upstream pool for ${endpoint.id}`);
    return gate;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.close().catch(() => pool.destroy())));
  }
}

/**
 * Fails a connection that is not up (TCP and, for https, TLS) within `timeoutMs` with undici's own
 * ConnectTimeoutError, on `clock`: so `timeouts.connect` means what it says, and the attempt is classified
 * (and retried) as a connect timeout, as before. Per connection, not per request: keep-alive reuse skips it.
 */
function withConnectTimeout(
  connect: buildConnector.connector,
  timeoutMs: number,
  clock: Clock,
): buildConnector.connector {
  if (timeoutMs <= 0) return connect;
  return (options, callback) => {
    let isSettled = false;
    const cancelTimer = clock.setTimer(timeoutMs, () => {
      isSettled = true;
      socket?.destroy();
      const where = `${options.hostname}:${options.port}`;
      callback(new errors.ConnectTimeoutError(`connect to ${where} timed out after ${timeoutMs} ms`), null);
    });
    // undici's connector returns the socket it opens, though its types say void.
    const socket = connect(options, (error, connected) => {
      cancelTimer();
      if (isSettled) return void connected?.destroy();
      isSettled = true;
      if (error) callback(error, null);
      else callback(null, connected);
    }) as unknown as Duplex | undefined;
  };
}

/** An attempt that wants to know whether its request went out on a socket that served an earlier one. */
export interface SocketReuseListener {
  isSocketReused: boolean;
}

/**
 * undici does not tell a handler which socket carries its request, but it publishes `sendHeaders` with
 * the socket synchronously right after calling the handler's onRequestStart. The attempt registers
 * itself in onRequestStart and this subscriber answers within the same tick.
 */
export class SocketReuseTracker {
  readonly #seenSockets = new WeakSet<object>();
  #waiting: SocketReuseListener | undefined;
  readonly #onSendHeaders = (message: unknown): void => {
    const socket = (message as { socket: object }).socket;
    const listener = this.#waiting;
    this.#waiting = undefined;
    if (listener) listener.isSocketReused = this.#seenSockets.has(socket);
    this.#seenSockets.add(socket);
  };

  constructor() {
    subscribe('undici:client:sendHeaders', this.#onSendHeaders);
  }

  expectSendHeaders(listener: SocketReuseListener): void {
    this.#waiting = listener;
  }

  close(): void {
    unsubscribe('undici:client:sendHeaders', this.#onSendHeaders);
  }
}
