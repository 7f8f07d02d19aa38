import {
  request as httpRequest,
  STATUS_CODES,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../core/errors.ts';
import type { Endpoint } from './endpoint.ts';
import { tlsConnectOptions } from './upstream-tls.ts';

/**
 * Two upgraded connections spliced together, bytes streamed both ways with backpressure (pipe). A clean
 * close of one side ends the other after it has flushed what it still holds; an error cuts both at once.
 */
export class Tunnel {
  readonly #client: Duplex;
  readonly #upstream: Duplex;

  constructor(client: Duplex, upstream: Duplex, onClosed: () => void) {
    this.#client = client;
    this.#upstream = upstream;
    let openSides = 2;
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      from.pipe(to);
      // `on`, not `once`: a second 'error' without a listener would take the process down.
      from.on('error', () => to.destroy());
      from.once('close', () => {
        if (!to.destroyed) to.end(() => to.destroy());
        if (--openSides === 0) onClosed();
      });
    }
  }

  /** Cuts both connections now (shutdown after the drain deadline); peers see the TCP close. */
  destroy(): void {
    this.#client.destroy();
    this.#upstream.destroy();
  }
}

/**
 * The handshake request to the upstream, on a dedicated connection: the upgraded socket leaves HTTP for
 * good and must not come from (or count against) a keep-alive pool. `headers` has no hop-by-hop headers;
 * Connection and Upgrade are this hop's own and make the handshake.
 */
export function requestUpgrade(
  endpoint: Pick<Endpoint, 'url' | 'host' | 'serverName' | 'isAddress' | 'tls'>,
  path: string,
  headers: Record<string, string | string[]>,
  upgrade: string,
): ClientRequest {
  const { url, serverName } = endpoint;
  const isHttps = url.protocol === 'https:';
  return (isHttps ? httpsRequest : httpRequest)({
    host: endpoint.host,
    port: url.port,
    // The endpoint's own name for TLS (see Endpoint.serverName); node would take the client's Host header.
    // '' sends no SNI, for an address.
    servername: endpoint.isAddress ? '' : serverName,
    // The pool's CAs, verification and client certificate, as its requests and health checks use.
    ...(isHttps ? tlsConnectOptions(endpoint.tls) : {}),
    method: 'GET',
    path,
    headers: { ...headers, connection: 'Upgrade', upgrade },
    agent: false,
  });
}

/** The upstream's 101 as the client receives it: its headers verbatim (Upgrade, Connection, Sec-WebSocket-*), our request id. */
export function switchingProtocolsHead(upstream: IncomingMessage, requestId: string): string {
  let head = `HTTP/1.1 101 ${upstream.statusMessage || 'Switching Protocols'}\r\n`;
  const raw = upstream.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== 'x-request-id') head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  return `${head}x-request-id: ${requestId}\r\n\r\n`;
}

/** An HTTP/1.1 response head on a raw socket; the connection closes after the body (no keep-alive after an upgrade attempt). */
export function responseHead(status: number, headers: OutgoingHttpHeaders): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'connection' || value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) head += `${name}: ${String(item)}\r\n`;
  }
  return `${head}connection: close\r\n\r\n`;
}

/** A gateway-made error on a socket that asked to upgrade: the same JSON as sendError, then close. */
export function rejectUpgrade(
  socket: Duplex,
  status: number,
  code: ErrorCode,
  message: string,
  requestId: string,
): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: { code, message, request_id: requestId } });
  const head = responseHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
    'cache-control': 'no-store',
  });
  socket.end(head + body, () => socket.destroy());
}
