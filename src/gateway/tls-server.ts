import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { answerClientError } from './client-errors.ts';
import { ConnectionGuard } from './connection-guard.ts';
import { requestIdOf } from './request-context.ts';
import { refusalOf, refuse } from './request-guard.ts';
import { defaultServerLimits, type ListenAddress, type ServerLimits } from './server.ts';

/** PEM contents (not paths): the gateway never touches the disk, so the caller reads the files. */
export interface CertificatePair {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

export interface RunningTlsServer {
  readonly url: string;
  readonly server: Http2SecureServer;
  /** New handshakes use `pair`; connections already open keep the certificate they were made with. */
  setCertificate(pair: CertificatePair): void;
  /** Stops accepting, sends GOAWAY to HTTP/2 sessions, closes idle HTTP/1.1 connections; resolves when all are gone. */
  close(): Promise<void>;
  /** Ends every connection now, upgraded ones included (node's closeAllConnections knows neither). */
  closeAllConnections(): void;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

// As in server.ts: outlive common load balancer idle timeouts (ALB 60 s).
const keepAliveTimeoutMs = 65_000;

/**
 * TLS termination in front of the same handler: HTTP/2 when the client offers it by ALPN, HTTP/1.1
 * otherwise (allowHTTP1), with the plain listener's limits. HTTP/2 requests arrive as the compat
 * Http2ServerRequest/Response, which implement what the gateway uses of IncomingMessage/ServerResponse
 * (url, method, headers, socket, streaming, writeHead/write/end/destroy, 'close', 'drain'): hence the
 * cast below, which test/e2e/tls.test.ts backs.
 */
export function startTlsServer(
  address: ListenAddress,
  pair: CertificatePair,
  handle: Handler,
  limits: ServerLimits = defaultServerLimits,
): Promise<RunningTlsServer> {
  const server = createSecureServer({
    allowHTTP1: true,
    cert: pair.cert,
    key: pair.key,
    noDelay: true,
    // Pseudo-headers count as header lines in HTTP/2.
    maxHeaderListPairs: limits.maxHeaders + 5,
    settings: { maxHeaderListSize: limits.maxHeaderBytes },
  });
  const { headerTimeoutMs, requestTimeoutMs } = limits;
  const headersTimeout = requestTimeoutMs > 0 ? Math.min(headerTimeoutMs, requestTimeoutMs) : headerTimeoutMs;
  const shortestMs = Math.min(...[headersTimeout, requestTimeoutMs].filter((ms) => ms > 0), 4_000);
  // The HTTP/1.1 fallback is node:http's parser and timers, which read these from the server object (as
  // server.ts sets them for the plain listener).
  Object.assign(server, {
    keepAliveTimeout: keepAliveTimeoutMs,
    headersTimeout,
    requestTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.floor(shortestMs / 4)),
    maxHeaderSize: limits.maxHeaderBytes,
    maxHeadersCount: limits.maxHeaders + 1,
  });
  // The response under way per HTTP/1.1 connection, so a late parse error never writes into it.
  const inFlight = new WeakMap<object, ServerResponse>();
  const onRequest: Handler = (req, res) => {
    inFlight.set(req.socket, res);
    const refusal = refusalOf(req, limits.maxHeaders);
    if (refusal) return refuse(res, refusal, requestIdOf(req));
    handle(req, res);
  };
  server.on('request', onRequest as unknown as (req: Http2ServerRequest, res: Http2ServerResponse) => void);
  server.on('clientError', (error: Error, socket: Duplex) =>
    answerClientError(error, socket, inFlight.get(socket), limits.maxHeaderBytes),
  );
  if (limits.maxConnectionsPerIp > 0)
    server.on('connection', new ConnectionGuard(limits.maxConnectionsPerIp).admit);
  const connections = new Set<Socket>();
  server.on('secureConnection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  return listen(server, address, connections);
}

function listen(
  server: Http2SecureServer,
  address: ListenAddress,
  connections: ReadonlySet<Socket>,
): Promise<RunningTlsServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const bound = server.address() as AddressInfo;
      const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
      resolve({
        url: `https://${host}:${bound.port}`,
        server,
        setCertificate: (next) => server.setSecureContext({ cert: next.cert, key: next.key }),
        close: () => new Promise<void>((done) => server.close(() => done())),
        closeAllConnections: () => {
          for (const socket of connections) socket.destroy();
        },
      });
    });
  });
}
