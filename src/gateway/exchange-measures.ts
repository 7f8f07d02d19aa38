import type { IncomingMessage } from 'node:http';
import type { RequestMeasures } from '../core/events.ts';
import type { RequestBody } from './request-body.ts';

/** What measuresOf needs of the last attempt: the HTTP exchange's Attempt fits. */
export interface AnsweredAttempt {
  readonly startedMs: number;
  /** 0 until the response headers came. */
  readonly status: number;
  readonly respondedMs: number;
}

/**
 * An exchange's numbers for its log line, worked out only when a line is written. Nothing here is counted
 * for the log alone except the response bytes (the exchange's one add per chunk).
 */
export function measuresOf(
  clientAddress: string,
  req: IncomingMessage,
  body: RequestBody,
  bytesSent: number,
  lastAttempt: AnsweredAttempt | undefined,
): RequestMeasures {
  return {
    clientAddress,
    bytesReceived: bodyBytesOf(body, req),
    bytesSent,
    upstreamFirstByteMs: firstByteMsOf(lastAttempt),
  };
}

export function firstByteMsOf(attempt: AnsweredAttempt | undefined): number | undefined {
  return attempt && attempt.status !== 0 ? attempt.respondedMs - attempt.startedMs : undefined;
}

/**
 * A buffered body's length is known; a streamed one's is its Content-Length once the whole of it came (node's
 * parser holds a body to it). A chunked body streamed through is counted by no one, so it stays unknown.
 */
function bodyBytesOf(body: RequestBody, req: IncomingMessage): number | undefined {
  if (body.kind === 'none') return 0;
  if (body.kind === 'buffered') return body.bytes.length;
  const declaredBytes = Number(req.headers['content-length'] ?? Number.NaN);
  return req.complete && Number.isFinite(declaredBytes) ? declaredBytes : undefined;
}
