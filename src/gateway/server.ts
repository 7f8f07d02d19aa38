import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface RunningServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Server timeouts protect the gateway from slow clients; keep-alive outlives common load balancer idle
 * timeouts (ALB 60 s) so an outer balancer never reuses a socket we are closing (pitfall 7).
 */
const keepAliveTimeoutMs = 65_000;
const headersTimeoutMs = 66_000;

export function startHttpServer(
  address: ListenAddress,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<RunningServer> {
  const server = createServer(
    { keepAliveTimeout: keepAliveTimeoutMs, headersTimeout: headersTimeoutMs, noDelay: true },
    handle,
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const bound = server.address() as AddressInfo;
      const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
      resolve({
        url: `http://${host}:${bound.port}`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
