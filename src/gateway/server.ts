import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { guardListener, http1Settings, type ConnectionRefusalReport } from './listener-policy.ts';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface RunningServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** What the listener enforces before a request reaches the gateway: config `limits`, normalized. */
export interface ServerLimits {
  /** The request line and header block together; more is answered 431. */
  readonly maxHeaderBytes: number;
  /** Header lines; more is answered 431. */
  readonly maxHeaders: number;
  /** From the connection's (or request's) first byte to the end of its headers; 0 is off. */
  readonly headerTimeoutMs: number;
  /** From the request's first byte to the end of its body; 0 is off. */
  readonly requestTimeoutMs: number;
  /** Open connections on the listener (per worker process); node closes any further one as it is accepted. */
  readonly maxConnections: number;
  /** Open connections per client (an IPv4 address, an IPv6 /64); 0 is off. */
  readonly maxConnectionsPerIp: number;
}

/** The config schema's defaults, for a listener started without a config (tests). */
export const defaultServerLimits: ServerLimits = {
  maxHeaderBytes: 16 * 1024,
  maxHeaders: 100,
  headerTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  maxConnections: 10_000,
  maxConnectionsPerIp: 512,
};

export function startHttpServer(
  address: ListenAddress,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  limits: ServerLimits = defaultServerLimits,
  reportRefusals?: ConnectionRefusalReport,
): Promise<RunningServer> {
  // Settings go in at construction: node reads connectionsCheckingInterval only there.
  const { maxHeadersCount, ...settings } = http1Settings(limits);
  const server = createServer({ ...settings, noDelay: true });
  server.maxHeadersCount = maxHeadersCount;
  const stopGuard = guardListener(server, handle, limits, reportRefusals);
  return listen(server, address, stopGuard);
}

function listen(server: Server, address: ListenAddress, stopGuard: () => void): Promise<RunningServer> {
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
            stopGuard();
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
