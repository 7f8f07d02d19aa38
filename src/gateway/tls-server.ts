import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { guardListener, http1Settings, type ConnectionRefusalReport } from './listener-policy.ts';
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

/**
 * TLS termination in front of the same handler: HTTP/2 when the client offers it by ALPN, HTTP/1.1
 * otherwise (allowHTTP1), with the plain listener's limits. HTTP/2 requests arrive as the compat
 * Http2ServerRequest/Response, which implement what the gateway uses of IncomingMessage/ServerResponse
 * (url, method, headers, socket, streaming, writeHead/write/end/destroy, 'close', 'drain'): hence guardListener
 * treats them alike, which test/e2e/tls.test.ts backs.
 */
export function startTlsServer(
  address: ListenAddress,
  pair: CertificatePair,
  handle: Handler,
  limits: ServerLimits = defaultServerLimits,
  reportRefusals?: ConnectionRefusalReport,
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
  // The HTTP/1.1 fallback is node:http's parser and timers, which read these from the server object.
  Object.assign(server, http1Settings(limits));
  const stopGuard = guardListener(server, handle, limits, reportRefusals);
  const connections = new Set<Socket>();
  server.on('secureConnection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  return listen(server, address, connections, stopGuard);
}

function listen(
  server: Http2SecureServer,
  address: ListenAddress,
  connections: ReadonlySet<Socket>,
  stopGuard: () => void,
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
        close: () =>
          new Promise<void>((done) => {
            stopGuard();
            server.close(() => done());
          }),
        closeAllConnections: () => {
          for (const socket of connections) socket.destroy();
        },
      });
    });
  });
}
