import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { guardListener as capConnections, type RefusedConnections } from '../core/listener-guard.ts';
import { answerClientError, rawErrorResponse } from './client-errors.ts';
import { ConnectionTurns, isPipelined, startInTurn } from './pipeline-queue.ts';
import { requestIdOf } from './request-context.ts';
import { publishLocalAnswer } from './request-events.ts';
import { requestIds } from './request-id.ts';
import { refusalOf, refuseOnSocket, refuseRequest, type Refusal } from './request-guard.ts';
import { noRouteId } from './routes.ts';
import type { ServerLimits } from './server.ts';
import { isWebSocketUpgrade } from './websocket.ts';

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
  // So a late parse error, a timeout or a handshake never cuts into an answer under way.
  const turns = new ConnectionTurns();
  // Pipelined requests whose body failed while they waited: each never starts, and is logged unanswered.
  const failedWhileWaiting = new WeakMap<IncomingMessage, Refusal>();
  const admit = (req: IncomingMessage, res: ServerResponse): void => {
    turns.started(req, res);
    const refusal = refusalOf(req, limits.maxHeaders);
    if (!refusal) return handle(req, res);
    refuseRequest(req, res, refusal, requestIdOf(req));
  };
  // A connection's requests run one at a time; the common one-at-a-time client pays one property read.
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (!isPipelined(res)) return admit(req, res);
    turns.queued(req, res);
    startInTurn(req, res, admitInTurn, dropUnstarted);
  };
  const admitInTurn = (req: IncomingMessage, res: ServerResponse): void => {
    if (!req.socket.writableEnded) return admit(req, res);
    // The connection closes after the answer before it (see answerClientError): this one never starts.
    const failure = failedWhileWaiting.get(req);
    if (failure) publishUnanswered(req, failure);
  };
  // Left unstarted because the connection closed: after its own failure, as that. Behind an answer that closes
  // it (a drain, a refusal, a drain's deadline cutting it) it would never have run, and the client retries it
  // (RFC 9112 §9.3.2). Otherwise the client left.
  const dropUnstarted = (req: IncomingMessage): void => {
    const failure = failedWhileWaiting.get(req);
    if (failure) return publishUnanswered(req, failure);
    if (turns.underWay(req.socket)?.shouldKeepAlive === false) return;
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
  // node hands a handshake to 'upgrade' as soon as it parses it, so one pipelined behind an unfinished answer
  // would get its 101 first and that answer would land in the tunnel. Only the connection's current request
  // may switch protocols; a later one is an ordinary request, in turn (RFC 9110 §7.8 lets a server ignore
  // Upgrade). Other Upgrade requests (h2c) stay ordinary too, and all do with no 'upgrade' listener.
  Object.assign(server, {
    shouldUpgradeCallback: (req: IncomingMessage): boolean =>
      server.listenerCount('upgrade') > 0 && isWebSocketUpgrade(req) && !turns.isAnswering(req.socket),
  });
  server.on('clientError', (error: Error, socket: Duplex) => {
    const waiting = turns.waiting(socket);
    const failure = answerClientError(error, socket, turns, limits.maxHeaderBytes);
    if (waiting && failure) failedWhileWaiting.set(waiting.req, failure);
  });
  // Per connection as it is accepted, never per request: the request path stays as it was.
  return capConnections<Socket>(server, limits, {
    refusal: () => tooManyConnections(limits.maxConnectionsPerIp),
    report: reportRefusals,
  });
}

/** A pipelined request that failed before its turn: no answer could be written for it (status 0), no route. */
function publishUnanswered(req: IncomingMessage, failure: Refusal): void {
  publishLocalAnswer(req, requestIdOf(req), noRouteId, 0, failure.code);
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
