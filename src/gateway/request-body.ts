import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { Clock } from '../core/clock.ts';
import { bodyTooLarge, bodyTooLargeRefusal, isBodyTooLarge, limitBody } from './body-limit.ts';
import { knowsInterimResponses } from './expectations.ts';
import type { Refusal } from './request-guard.ts';

/** A request body as the forwarding loop sees it: absent, held in memory (replayable), or a one-shot stream. */
export type RequestBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'buffered'; readonly bytes: Buffer }
  | { readonly kind: 'stream'; readonly readable: Readable };

export function hasBody(req: IncomingMessage): boolean {
  // HTTP/2 frames bodies itself, so a body may come without Content-Length; END_STREAM on the headers says none
  // will. An HTTP/1 request line may claim 2.0 too: it has no stream, and its framing is HTTP/1's (refusalOf
  // answers it 505, but node asks this of an Upgrade request before that).
  if (req.httpVersionMajor === 2) {
    const { stream } = req as { stream?: { readonly endAfterHeaders: boolean } };
    if (stream !== undefined) return !stream.endAfterHeaders;
  }
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Buffers the body when it fits in `maxReplayBytes`, so a retry can send it again; a larger body is
 * streamed through untouched (and the request cannot be retried). With `maxReplayBytes` 0 nothing is held.
 */
export const noBody: RequestBody = { kind: 'none' };

/**
 * Past `maxBodyBytes` (the route's max_body) the read fails with GW_BODY_TOO_LARGE, or the stream does.
 * `onAccepted` runs once the declared length is allowed, before a byte is read: where a client that sent
 * `Expect: 100-continue` is told to go on. Never for an HTTP/1.0 client, which knows no 1xx.
 */
export async function readRequestBody(
  req: IncomingMessage,
  maxReplayBytes: number,
  maxBodyBytes = Number.POSITIVE_INFINITY,
  onAccepted?: () => void,
): Promise<RequestBody> {
  if (!hasBody(req)) return noBody;
  const declaredBytes = Number(req.headers['content-length'] ?? Number.NaN);
  // Refused before a byte of it is read: the client said how much is coming.
  if (declaredBytes > maxBodyBytes) throw bodyTooLarge(maxBodyBytes);
  if (knowsInterimResponses(req)) onAccepted?.();
  if (maxReplayBytes === 0 || declaredBytes > maxReplayBytes)
    return streamed(req, declaredBytes, maxBodyBytes);
  const held: Buffer[] = [];
  let heldBytes = 0;
  const iterator = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  for (;;) {
    const next = await iterator.next();
    if (next.done)
      return { kind: 'buffered', bytes: held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes) };
    held.push(next.value);
    heldBytes += next.value.length;
    if (heldBytes > maxBodyBytes) throw bodyTooLarge(maxBodyBytes);
    if (heldBytes > maxReplayBytes) {
      const rest = Readable.from(resume(held, iterator), { objectMode: false });
      return streamed(rest, declaredBytes, maxBodyBytes);
    }
  }
}

/** Only a body of undeclared length (chunked) is counted: node's parser holds one to its Content-Length. */
function streamed(readable: Readable, declaredBytes: number, maxBodyBytes: number): RequestBody {
  const isCounted = Number.isNaN(declaredBytes) && maxBodyBytes !== Number.POSITIVE_INFINITY;
  return { kind: 'stream', readable: isCounted ? limitBody(readable, maxBodyBytes) : readable };
}

/** What was read already, then the rest of the same stream. */
async function* resume(held: readonly Buffer[], rest: AsyncIterator<Buffer>): AsyncIterable<Buffer> {
  yield* held;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/**
 * How long the rest of a body may still arrive after an early answer, as nginx's lingering_timeout (5 s):
 * a client still uploading at a sane rate finishes; one that stalls or streams without end is let go.
 */
export const maxDiscardMs = 5_000;

/** node's own flag (set by IncomingMessage._dump): its HTTP/1 parser then drops body bytes unread. */
interface DumpableRequest {
  _dumped?: boolean;
}

/**
 * The upstream answered before it read the whole body. The body was piped into undici, so node's own discard
 * after the response (resOnFinish → _dump) does not run, and undici drops the stream: unread, the socket
 * stops and the client's next request waits for request_timeout. Discarding the rest keeps the connection
 * for that request; past `maxDiscardMs` it closes, by when the client has had its complete answer.
 */
export function discardUnreadBody(req: IncomingMessage, clock: Clock): void {
  const socket = req.socket as IncomingMessage['socket'] | null;
  if (req.complete || req.httpVersionMajor !== 1 || !socket) return;
  (req as IncomingMessage & DumpableRequest)._dumped = true;
  // The parser paused the socket when undici stopped taking the body (backpressure).
  socket.resume();
  clock.setTimer(maxDiscardMs, () => {
    if (!req.complete) socket.destroy();
  });
}

/** An attempt as far as the failure of its upload goes. */
interface UploadingAttempt {
  readonly poolName: string;
  /** A streamed body is still being written, and no response has arrived. */
  readonly isSendingBody: boolean;
}

const cutWriteCodes = new Set(['EPIPE', 'ECONNRESET']);

/**
 * Whether a retry can send `body` again: a buffered one always, a streamed one while nothing read it (a connect
 * failure happens before undici does).
 */
export const isReplayable = (body: RequestBody, attempt: { readonly isStarted: boolean }): boolean =>
  body.kind !== 'stream' || (!attempt.isStarted && !body.readable.readableDidRead);

/**
 * The request failed in its body, and neither side is the endpoint's fault: the client's chunked body outgrew
 * max_body, or the upstream closed while it was still being sent. The latter is how an early refusal (413
 * with Connection: close) arrives when undici's write fails before it parses the answer: undici reports
 * only the write error and the answer is lost, as is a crash mid-upload, which this cannot tell apart.
 */
export function uploadFailure(attempt: UploadingAttempt, error: Error): Refusal | undefined {
  if (isBodyTooLarge(error)) return bodyTooLargeRefusal(error);
  const code = (error as { code?: string }).code;
  if (!attempt.isSendingBody || code === undefined || !cutWriteCodes.has(code)) return undefined;
  const message = `upstream of pool "${attempt.poolName}" closed the connection while the request body was being sent (it may have refused it)`;
  return { status: 502, code: 'GW_UPSTREAM_FAILED', message };
}
