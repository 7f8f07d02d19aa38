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

/**
 * Per HTTP/1.x connection: the response under way and the last request pipelined behind it, so an error node
 * reports for the connection is pinned on the right request, and only its current request may upgrade.
 */
export class ConnectionTurns {
  readonly #underWay = new WeakMap<object, ServerResponse>();
  readonly #lastPipelined = new WeakMap<object, ServerResponse>();
  /** Connections with bad bytes after their parsed requests, refused once those are answered. */
  readonly #refusingAfterAnswers = new WeakSet<object>();

  /** `res` starts: the connection's answer under way until it finishes. */
  started(req: IncomingMessage, res: ServerResponse): void {
    this.#underWay.set(req.socket, res);
  }

  /** `res` waits its turn (see startInTurn). */
  queued(req: IncomingMessage, res: ServerResponse): void {
    this.#lastPipelined.set(req.socket, res);
  }

  /** The last response started on `socket`, finished or not. */
  underWay(socket: object): ServerResponse | undefined {
    return this.#underWay.get(socket);
  }

  /** True while an answer is being written on `socket`: a request parsed now is not its current one. */
  isAnswering(socket: object): boolean {
    const res = this.#underWay.get(socket);
    return res !== undefined && !res.writableFinished;
  }

  /** node reports the bad bytes again with each later chunk it reads: only the first report counts. */
  refuseAfterAnswers(socket: object): void {
    this.#refusingAfterAnswers.add(socket);
  }

  isRefusingAfterAnswers(socket: object): boolean {
    return this.#refusingAfterAnswers.has(socket);
  }

  /** The last request pipelined on `socket` if it has not started: no socket yet, and not finished. */
  waiting(socket: object): ServerResponse | undefined {
    const res = this.#lastPipelined.get(socket);
    return res && res.socket === null && !res.writableFinished ? res : undefined;
  }
}
