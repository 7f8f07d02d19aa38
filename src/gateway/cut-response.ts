import type { ServerResponse } from 'node:http';
import { constants as http2, type Http2Stream } from 'node:http2';

/**
 * Cuts a response so that its client sees a failure, never a complete body. HTTP/1.1: the connection closes
 * mid-body (a truncated chunked body or short Content-Length). HTTP/2: node's `res.destroy()` sends
 * RST_STREAM(NO_ERROR), which clients take for a clean end, so the stream is reset with INTERNAL_ERROR.
 */
export function cutResponse(res: ServerResponse): void {
  const { stream } = res as { stream?: Http2Stream };
  if (stream === undefined) res.destroy();
  else if (!stream.destroyed) stream.close(http2.NGHTTP2_INTERNAL_ERROR);
}
