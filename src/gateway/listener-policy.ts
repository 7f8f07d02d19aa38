import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { guardListener as capConnections, type RefusedConnections } from '../core/listener-guard.ts';
import { answerClientError, rawErrorResponse } from './client-errors.ts';
import { isPipelined, startInTurn } from './pipeline-queue.ts';
import { requestIdOf } from './request-context.ts';
import { publishLocalAnswer } from './request-events.ts';
import { requestIds } from './request-id.ts';
import { publishRefusal, refusalOf, refuse, refuseOnSocket } from './request-guard.ts';
import { noRouteId } from './routes.ts';
import type { ServerLimits } from './server.ts';

/**
 * Keep-alive outlives common load balancer idle timeouts (ALB 60 s) so an outer balancer never reuses a
 * socket we are closing (pitfall 7). Header and request timeouts only run while a request is arriving, so
 * they do not cut idle keep-alive connections.
 */
const keepAliveTimeoutMs = 65_000;

/** node:http's timing and size settings for `limits`; the TLS listener's HTTP/1.1 fallback reads them too. */
export function http1Settings(limits: ServerLimits) {
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
    // node silently drops header lines past this; one over the limit is enough to see that there were more.
    maxHeadersCount: limits.maxHeaders + 1,
    // A missing Host is refused by refusalOf, as JSON with a request id, like every other refusal.
    requireHostHeader: false,
  };
}

/** Connections a gateway listener refused over its caps, summed per period (see core's guardListener). */
export type ConnectionRefusalReport = (refused: RefusedConnections) => void;

/**
 * What every gateway listener does before a request reaches the gateway: refuse what the parser let
 * through but must not be forwarded, answer parse errors and timeouts as JSON, cap connections in total and
 * per client. Returns the function that stops the refusal reports, telling the last period's.
 */
export function guardListener(
  server: Server,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  limits: ServerLimits,
  reportRefusals: ConnectionRefusalReport = () => undefined,
): () => void {
  // The response under way per connection, so a late parse error or timeout never writes into it.
  const inFlight = new WeakMap<object, ServerResponse>();
  const admit = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight.set(req.socket, res);
    const refusal = refusalOf(req, limits.maxHeaders);
    if (!refusal) return handle(req, res);
    const requestId = requestIdOf(req);
    refuse(res, refusal, requestId);
    publishRefusal(refusal, requestId, req);
  };
  // A connection's requests run one at a time; the common one-at-a-time client pays one property read.
  const onRequest = (req: IncomingMessage, res: ServerResponse): void =>
    isPipelined(res) ? startInTurn(req, res, admit, dropUnstarted) : admit(req, res);
  // Left unstarted because the connection closed. Behind an answer that closes it (a drain, a refusal) it
  // would never have run, and the client, told so, retries it (RFC 9112 §9.3.2). Otherwise the client left.
  const dropUnstarted = (req: IncomingMessage): void => {
    if (inFlight.get(req.socket)?.shouldKeepAlive === false) return;
    publishLocalAnswer(req, requestIdOf(req), noRouteId, 499, 'GW_CLIENT_CLOSED');
  };
  server.on('request', onRequest);
  // `Expect: 100-continue`: node would send 100 at once; the gateway sends it only when it is about to read
  // the body (see readRequestBody), so a request it refuses (404, 413, 429) is refused before the upload.
  server.on('checkContinue', onRequest);
  // Any other expectation: node would answer a bare 417 and keep the connection; refusalOf refuses it as JSON.
  server.on('checkExpectation', onRequest);
  // CONNECT asks for a tunnel to anywhere, which only a forward proxy offers; node would drop the socket.
  server.on('connect', (req: IncomingMessage, socket: Duplex) =>
    refuseOnSocket(req, socket, {
      status: 501,
      code: 'GW_METHOD_NOT_SUPPORTED',
      message: 'CONNECT: not a forward proxy',
    }),
  );
  server.on('clientError', (error: Error, socket: Duplex) =>
    answerClientError(error, socket, inFlight.get(socket), limits.maxHeaderBytes),
  );
  // Per connection as it is accepted, never per request: the request path stays as it was.
  return capConnections<Socket>(server, limits, {
    refusal: () => tooManyConnections(limits.maxConnectionsPerIp),
    report: reportRefusals,
  });
}

/** The 503 a client over the per-address cap can read if it looks, before its socket goes. */
function tooManyConnections(maxPerIp: number): Buffer {
  return rawErrorResponse(
    503,
    'GW_TOO_MANY_CONNECTIONS',
    `too many open connections from this address (limits.max_connections_per_ip: ${maxPerIp})`,
    requestIds.next(),
  );
}
