import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BulwarkError, type ErrorCode } from '../core/errors.ts';
import type { ConnectionTurns } from './pipeline-queue.ts';
import { requestIdOf } from './request-context.ts';
import { publishRefusal, type Refusal } from './request-guard.ts';
import { requestIds } from './request-id.ts';
import { refusedRequestOf } from './request-line.ts';

/**
 * The JSON error (see responses.ts) as raw bytes, for sockets that have no usable ServerResponse: a request
 * node's parser refused, or a connection refused before any request. `Connection: close` because the
 * gateway hangs up right after, without reading what else the client sent.
 */
export function rawErrorResponse(
  status: number,
  code: ErrorCode,
  message: string,
  requestId: string,
): Buffer {
  const body = JSON.stringify({ error: { code, message, request_id: requestId } });
  return Buffer.from(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestId}\r\n` +
      'cache-control: no-store\r\n' +
      'connection: close\r\n\r\n' +
      body,
  );
}

/** What node's `clientError` means for the client; undefined when the peer is gone and nothing can be said. */
function answerFor(error: Error, isInBody: boolean, maxHeaderBytes: number): Refusal | undefined {
  const code = (error as { code?: string }).code ?? '';
  if (code === 'HPE_HEADER_OVERFLOW')
    return {
      status: 431,
      code: 'GW_HEADERS_TOO_LARGE',
      message: `request headers exceed limits.max_header_bytes (${maxHeaderBytes} bytes)`,
    };
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW')
    return { status: 413, code: 'GW_BODY_TOO_LARGE', message: 'chunk extensions too large' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return {
      status: 408,
      code: 'GW_REQUEST_TIMEOUT',
      message: isInBody
        ? 'request body not received within limits.request_timeout'
        : 'request headers not received within limits.header_timeout',
    };
  // llhttp's reason is a fixed phrase ("Duplicate Content-Length"), never bytes the client sent.
  if (code.startsWith('HPE_'))
    return {
      status: 400,
      code: 'GW_BAD_REQUEST',
      message: `malformed request: ${(error as { reason?: string }).reason ?? code}`,
    };
  return undefined;
}

/**
 * node:http's `clientError`: the parser refused the bytes (ambiguous framing, bad header, overflow) or a
 * header/request timeout fired. Answer with a JSON error unless a response already started on this socket
 * (more bytes would corrupt it), then close: after a framing error nothing later on the connection can be
 * trusted to start where the client meant. `turns` knows the answer under way and the last request pipelined
 * behind it, if it has not started yet; returns what that one failed with when the error was in its body: it
 * must never start.
 */
export function answerClientError(
  error: Error,
  socket: Duplex,
  turns: ConnectionTurns,
  maxHeaderBytes: number,
): Refusal | undefined {
  // RFC 9112 §9.6: what follows a request that closes the connection is ignored, and that request (or one
  // pipelined before it) is still answered; node closes the connection after its response.
  if (isAfterClose(error) || turns.isRefusingAfterAnswers(socket)) return undefined;
  const inFlight = turns.underWay(socket);
  const waiting = turns.waiting(socket);
  const isBusy = inFlight !== undefined && !inFlight.writableFinished;
  // The client stopped in the middle of a body: half-closed or closed. Before its answer, it left, and whoever
  // holds the request counts it (499); after, that answer was complete, and the rest was only being discarded
  // (the lingering read). Either way an answer here would be a second one to the same request.
  const isBodyCut = inFlight !== undefined && !inFlight.req.complete;
  if (isBodyCut && isTruncatedByClient(error)) return void socket.destroy();
  if (isBusy && !isBodyCut) return failLaterRequest(error, socket, turns, inFlight, waiting, maxHeaderBytes);
  // A finished keep-alive response belonged to an earlier request, unless the error is in the rest of that
  // request's body; one that closes the connection (a refusal) was already the last word on it.
  const mayAnswer =
    inFlight === undefined || (isBusy ? !inFlight.headersSent : inFlight.shouldKeepAlive && !isBodyCut);
  const answer = answerFor(error, isBodyCut, maxHeaderBytes);
  if (answer && mayAnswer && socket.writable) {
    const requestId = isBusy ? requestIdOf(inFlight.req) : requestIds.next();
    socket.write(rawErrorResponse(answer.status, answer.code, answer.message, requestId));
    // A refused request counts like a 404. A timeout before the headers ended was no request yet; one in the
    // body is counted by whoever holds the request, with its route, when the request stream fails (below).
    // In a body: that request's own line. Else what the refused bytes show of theirs, never their headers.
    if (answer.status !== 408)
      publishRefusal(answer, requestId, isBodyCut ? inFlight.req : refusedRequestOf(error, socket));
  }
  // Marks the request for whoever holds it (node emits its 'error' only to listeners, so none is needed).
  if (isBusy && answer?.status === 408 && !inFlight.req.complete)
    inFlight.req.destroy(new BulwarkError(answer.code, answer.message));
  socket.destroy();
  return undefined;
}

/**
 * The error is in a request pipelined behind `underWay`, whose answer is not finished: the client reads the
 * next answer on the connection as underWay's, so nothing is written for the later one now (and a waiting
 * request that failed is returned: it never starts). After a timeout the answer under way still completes,
 * then the connection closes. After bad bytes in a later request's head node parses nothing more, but still
 * writes the answers of the requests before them: those are answered, then the refusal (refuseAfterAnswers).
 * Bad bytes in a waiting body leave that request unanswerable: the connection closes now.
 */
function failLaterRequest(
  error: Error,
  socket: Duplex,
  turns: ConnectionTurns,
  underWay: ServerResponse,
  waiting: ServerResponse | undefined,
  maxHeaderBytes: number,
): Refusal | undefined {
  const isInWaitingBody = waiting !== undefined && !waiting.req.complete;
  const answer = answerFor(error, isInWaitingBody, maxHeaderBytes);
  if (answer !== undefined && answer.status !== 408 && !isInWaitingBody) {
    // Nothing after the bad bytes can be parsed, and node reports them again with each later chunk (ignored
    // from now on). Reading goes on, not paused: a paused socket would not tell that the client left, and the
    // request in flight would run on upstream for no one.
    turns.refuseAfterAnswers(socket);
    refuseAfterAnswers(socket, waiting ?? underWay, answer, error);
  } else if (answer?.status !== 408) socket.destroy();
  else if (!underWay.headersSent) underWay.shouldKeepAlive = false;
  // Its headers promised keep-alive: ended before node hands the connection on, so no later request starts.
  else underWay.prependOnceListener('finish', () => socket.end(() => socket.destroy()));
  return isInWaitingBody ? answer : undefined;
}

/**
 * As nginx, which reads a pipelined request only once the one before is answered: `last`, the last request
 * parsed, and those before it are answered, then the refusal, and the connection closes. An answer that
 * closes the connection (a refusal) is the last word on it, as in answerClientError.
 */
function refuseAfterAnswers(socket: Duplex, last: ServerResponse, answer: Refusal, error: Error): void {
  last.prependOnceListener('finish', () => {
    // node closes the connection after an answer that says so; a client gone needs no answer.
    if (!last.shouldKeepAlive || !socket.writable) return;
    const requestId = requestIds.next();
    socket.write(rawErrorResponse(answer.status, answer.code, answer.message, requestId));
    publishRefusal(answer, requestId, refusedRequestOf(error, socket));
    socket.end(() => socket.destroy());
  });
}

/** llhttp's error for a connection that ended where the message could not (here: inside a body). */
function isTruncatedByClient(error: Error): boolean {
  return (error as { code?: string }).code === 'HPE_INVALID_EOF_STATE';
}

/** llhttp's error for bytes after a request with `Connection: close` (or an HTTP/1.0 one without keep-alive). */
function isAfterClose(error: Error): boolean {
  return (error as { code?: string }).code === 'HPE_CLOSED_CONNECTION';
}

/**
 * node's request_timeout ended this request while its body was arriving: its stream failed with
 * GW_REQUEST_TIMEOUT, and the client got a 408 unless its answer had begun. Not a client that left (499).
 */
export function isRequestTimedOut(req: IncomingMessage): boolean {
  const { errored } = req;
  return errored instanceof BulwarkError && errored.code === 'GW_REQUEST_TIMEOUT';
}

/**
 * Why a response closed before its end, and the status to count it under, `begunStatus` being the answer's
 * if it had begun. Cut by the drain: Bulwark's doing, counted as a stream the upstream broke is (0 when no
 * answer had begun). A body too slow: node's 408 (answerClientError), or the answer cut. Else the client left.
 */
export function closeCause(
  req: IncomingMessage,
  isCutOff: boolean,
  begunStatus: number | undefined,
): { readonly status: number; readonly code: ErrorCode } {
  if (isCutOff) return { status: begunStatus ?? 0, code: 'GW_DRAINED' };
  if (isRequestTimedOut(req)) return { status: begunStatus ?? 408, code: 'GW_REQUEST_TIMEOUT' };
  return { status: 499, code: 'GW_CLIENT_CLOSED' };
}
