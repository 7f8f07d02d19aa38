import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerClientError } from './client-errors.ts';
import { ConnectionGuard } from './connection-guard.ts';
import { requestIdOf } from './request-context.ts';
import { publishRefusal, refusalOf, refuse } from './request-guard.ts';

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
  /** Open connections per client address; 0 is off. */
  readonly maxConnectionsPerIp: number;
}

/** The config schema's defaults, for a listener started without a config (tests). */
export const defaultServerLimits: ServerLimits = {
  maxHeaderBytes: 16 * 1024,
  maxHeaders: 100,
  headerTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  maxConnectionsPerIp: 512,
};

/**
 * Keep-alive outlives common load balancer idle timeouts (ALB 60 s) so an outer balancer never reuses a
 * socket we are closing (pitfall 7). Header and request timeouts only run while a request is arriving, so
 * they do not cut idle keep-alive connections.
 */
const keepAliveTimeoutMs = 65_000;

export function startHttpServer(
  address: ListenAddress,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  limits: ServerLimits = defaultServerLimits,
): Promise<RunningServer> {
  const server = createServer(serverOptions(limits));
  // node silently drops header lines past this; one over the limit is enough to see that there were more.
  server.maxHeadersCount = limits.maxHeaders + 1;
  // The response under way per connection, so a late parse error or timeout never writes into it.
  const inFlight = new WeakMap<object, ServerResponse>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    inFlight.set(req.socket, res);
    const refusal = refusalOf(req, limits.maxHeaders);
    if (!refusal) return handle(req, res);
    const requestId = requestIdOf(req);
    refuse(res, refusal, requestId);
    publishRefusal(refusal, requestId, req);
  });
  server.on('clientError', (error: Error, socket) =>
    answerClientError(error, socket, inFlight.get(socket), limits.maxHeaderBytes),
  );
  if (limits.maxConnectionsPerIp > 0)
    server.on('connection', new ConnectionGuard(limits.maxConnectionsPerIp).admit);
  return listen(server, address);
}

function serverOptions(limits: ServerLimits): ServerOptions {
  const { headerTimeoutMs, requestTimeoutMs } = limits;
  // node refuses a header timeout longer than the request timeout; the request one bounds both anyway.
  const headersTimeout = requestTimeoutMs > 0 ? Math.min(headerTimeoutMs, requestTimeoutMs) : headerTimeoutMs;
  const shortestMs = Math.min(...[headersTimeout, requestTimeoutMs].filter((ms) => ms > 0), 4_000);
  return {
    keepAliveTimeout: keepAliveTimeoutMs,
    headersTimeout,
    requestTimeout: requestTimeoutMs,
    // node checks both timeouts on this interval (default 30 s), so it bounds how late one fires:
    // at most a quarter of the shortest late, and never more than 1 s.
    connectionsCheckingInterval: Math.max(10, Math.floor(shortestMs / 4)),
    maxHeaderSize: limits.maxHeaderBytes,
    noDelay: true,
  };
}

function listen(server: Server, address: ListenAddress): Promise<RunningServer> {
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
