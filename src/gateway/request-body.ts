import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/** A request body as the forwarding loop sees it: absent, held in memory (replayable), or a one-shot stream. */
export type RequestBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'buffered'; readonly bytes: Buffer }
  | { readonly kind: 'stream'; readonly readable: Readable };

export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Buffers the body when it fits in `maxReplayBytes`, so a retry can send it again; a larger body is
 * streamed through untouched (and the request cannot be retried). With `maxReplayBytes` 0 nothing is held.
 */
export const noBody: RequestBody = { kind: 'none' };

export async function readRequestBody(req: IncomingMessage, maxReplayBytes: number): Promise<RequestBody> {
  if (!hasBody(req)) return noBody;
  const declaredBytes = Number(req.headers['content-length'] ?? Number.NaN);
  if (maxReplayBytes === 0 || declaredBytes > maxReplayBytes) return { kind: 'stream', readable: req };
  const held: Buffer[] = [];
  let heldBytes = 0;
  const iterator = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  for (;;) {
    const next = await iterator.next();
    if (next.done)
      return { kind: 'buffered', bytes: held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes) };
    held.push(next.value);
    heldBytes += next.value.length;
    if (heldBytes > maxReplayBytes)
      return { kind: 'stream', readable: Readable.from(resume(held, iterator), { objectMode: false }) };
  }
}

/** What was read already, then the rest of the same stream. */
async function* resume(held: readonly Buffer[], rest: AsyncIterator<Buffer>): AsyncIterable<Buffer> {
  yield* held;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}
