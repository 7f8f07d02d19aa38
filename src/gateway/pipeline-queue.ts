import type { IncomingMessage, ServerResponse } from 'node:http';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * True when node:http queued `res` behind a response still being written on its connection: an HTTP/1.x
 * client pipelined the request. An HTTP/2 response always has its stream, so its streams stay concurrent.
 */
export function isPipelined(res: ServerResponse): boolean {
  return res.socket === null;
}

/**
 * Hands a pipelined request to `start` when its turn comes, as nginx, HAProxy and Envoy do: node parses a
 * connection's pipelined requests at once, and starting each then would send them upstream in parallel (one
 * connection taking every upstream connection, a POST overtaking the GET before it: RFC 9112 §9.3.2 allows
 * that for safe methods only). Node gives the response its socket once the previous response has finished,
 * before that one's 'close', so a drain waiting for open requests sees no gap between the two.
 * If the connection closes first, node aborts the request, which reaches no upstream: `drop` is told.
 */
export function startInTurn(req: IncomingMessage, res: ServerResponse, start: Handler, drop: Handler): void {
  const onTurn = (): void => {
    req.off('close', onClose);
    start(req, res);
  };
  const onClose = (): void => {
    res.off('socket', onTurn);
    drop(req, res);
  };
  res.once('socket', onTurn);
  req.once('close', onClose);
}
