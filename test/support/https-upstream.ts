import { once } from 'node:events';
import { createServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** What one request or upgrade showed of its TLS connection. */
export interface TlsSighting {
  readonly path: string;
  /** The SNI received; false (or null) when none was sent. */
  readonly serverName: string | false | null;
  /** The client certificate's CN, when one was presented and verified. */
  readonly clientName: string | undefined;
}

export interface HttpsUpstream {
  readonly port: number;
  readonly seen: readonly TlsSighting[];
  close(): Promise<void>;
}

/**
 * An https upstream on 127.0.0.1 with the certificate (and client-certificate policy) given: answers `ok`,
 * and a WebSocket handshake with 101. Nothing of it is trusted by the process: the gateway's pool decides.
 */
export async function startHttpsUpstream(options: ServerOptions): Promise<HttpsUpstream> {
  const seen: TlsSighting[] = [];
  const sighting = (path: string | undefined, socket: TLSSocket): TlsSighting => {
    const peer = socket.getPeerCertificate();
    const clientName =
      socket.authorized && typeof peer.subject?.CN === 'string' ? peer.subject.CN : undefined;
    return { path: path ?? '', serverName: socket.servername, clientName };
  };
  const server = createServer(options, (req, res) => {
    seen.push(sighting(req.url, req.socket as TLSSocket));
    res.end('ok');
  });
  server.on('upgrade', (req, socket) => {
    seen.push(sighting(req.url, req.socket as TLSSocket));
    socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
  });
  // A refused handshake (no client certificate) must not take the test down.
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
