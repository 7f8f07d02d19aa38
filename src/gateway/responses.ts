import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../core/errors.ts';
import { cutResponse } from './cut-response.ts';
import { knowsInterimResponses } from './expectations.ts';
import { clientResponseHeaders, reasonPhrase } from './headers.ts';
import { EventStreamProgress, unframedStream, type StreamProgress } from './sse.ts';
import { streamKind } from './stream-kind.ts';

/**
 * Whether the client's side of `res` is gone (it left, or its connection broke). node's HTTP/2 compatibility
 * response has no `destroyed` (reading it gives undefined), so its stream is asked: `res.destroyed` alone
 * never notices an HTTP/2 client that cancelled its stream.
 */
export function isClientGone(res: ServerResponse): boolean {
  const { stream } = res as { stream?: { readonly destroyed: boolean } };
  return stream === undefined ? res.destroyed : stream.destroyed;
}

/** Gateway-made errors reach clients as JSON with a stable code and the request id to quote in a report. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  requestId: string,
): void {
  if (res.headersSent) return cutResponse(res);
  const body = JSON.stringify({ error: { code, message, request_id: requestId } });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** Why a stream was ended, for its error event. */
export interface StreamEnd {
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * Ends a response that broke after its headers went out: an event stream with an error event (see
 * EventStreamProgress.closingFrame), then cut; anything else (no `progress`) is cut at once. The event must
 * reach the client before the cut, so that comes once the event is flushed, or when `afterIdle` gives up on a
 * client that stopped reading.
 */
export function endStream(
  res: ServerResponse,
  progress: StreamProgress | undefined,
  end: StreamEnd,
  requestId: string,
  afterIdle: (fn: () => void) => (() => void) | undefined,
): void {
  const closing = progress?.closingFrame(sseErrorFrame(end.code, end.message, requestId));
  if (closing === undefined) return cutResponse(res);
  const cancelFlushTimer = afterIdle(() => cutResponse(res));
  res.write(closing, () => {
    cancelFlushTimer?.();
    cutResponse(res);
  });
}

/** The last SSE frame of a stream whose upstream failed: parsers see an error, never a clean end. */
export function sseErrorFrame(code: ErrorCode, message: string, requestId: string): string {
  return `event: error\ndata: ${JSON.stringify({ error: { code, message, request_id: requestId } })}\n\n`;
}

/**
 * Starts a stream (see streamKind): its status and end-to-end headers go out at once, as its first chunk may
 * be long in coming, and its progress tracker is returned. Anything else writes nothing: its head goes with
 * its first body byte (sendHead), so an upstream that fails before that still gets the client a gateway
 * error, rather than an empty reply or a status that was never its answer.
 */
export function startResponse(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  head: UpstreamHead,
): StreamProgress | undefined {
  const kind = streamKind(head.headers);
  if (kind === undefined) return undefined;
  sendHead(req, res, requestId, head, true);
  flushHead(req, res, head.status);
  return kind === 'event-stream' ? new EventStreamProgress() : unframedStream;
}

/** An upstream answer's head, as its attempt keeps it. */
export interface UpstreamHead {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly statusMessage: string | undefined;
}

/** The upstream's status and end-to-end headers, as the client receives them. */
export function sendHead(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  { status, headers, statusMessage }: UpstreamHead,
  isStream = false,
): void {
  const outgoing = clientResponseHeaders(headers, requestId);
  // RFC 9110 §8.6: a 204 has no Content-Length. An upstream's would reach the client as sent (node writes
  // what it is given), and an HTTP/2 client resets the stream over it, an HTTP/1.1 intermediary may read
  // that many bytes of the next response as this one's body.
  if (status === 204) delete outgoing['content-length'];
  if (isStream) outgoing['x-accel-buffering'] ??= 'no';
  // HTTP/2 has no reason phrase (RFC 9113 §8.3.2); node's compat response warns when given one.
  const reason = req.httpVersionMajor < 2 ? reasonPhrase(statusMessage) : undefined;
  if (reason) res.writeHead(status, reason, outgoing);
  else res.writeHead(status, outgoing);
}

/**
 * Sends the head before the first chunk. node's flushHeaders writes an HTTP/1 head as UTF-8, so an obs-text
 * byte an upstream sent (`caf\xe9`, opaque per RFC 9110 §5.5) reached the client as two; an empty write sends
 * it as latin1, byte for byte, as node does with every other head. A response without a body (HEAD, 204,
 * 304) ignores writes and ends at once anyway.
 */
function flushHead(req: IncomingMessage, res: ServerResponse, status: number): void {
  if (req.httpVersionMajor >= 2) return void res.flushHeaders();
  if (req.method === 'HEAD' || status === 204 || status === 304) return;
  res.write('', 'latin1');
}

/**
 * Forwards an upstream's 103 Early Hints (RFC 8297), as RFC 9110 §15.2 asks of a proxy for every 1xx it did
 * not ask for itself; node can write no other (102 is obsolete, 100 answers our own Expect). Never to an
 * HTTP/1.0 client, which knows no 1xx. node writes the Link field only, and throws on one it cannot parse:
 * a hint is advisory, so such a one is dropped.
 */
export function relayEarlyHints(
  req: IncomingMessage,
  res: ServerResponse,
  headers: IncomingHttpHeaders,
): void {
  const { link } = headers;
  if (link === undefined || !knowsInterimResponses(req)) return;
  try {
    res.writeEarlyHints({ link });
  } catch {
    return;
  }
}
