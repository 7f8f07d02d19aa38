import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../core/errors.ts';

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
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message, request_id: requestId } });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** The last SSE frame of a stream whose upstream failed: parsers see an error, never a clean end. */
export function sseErrorFrame(code: ErrorCode, message: string, requestId: string): string {
  return `event: error\ndata: ${JSON.stringify({ error: { code, message, request_id: requestId } })}\n\n`;
}
