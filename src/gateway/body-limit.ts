import { Readable } from 'node:stream';
import { BulwarkError } from '../core/errors.ts';
import type { Refusal } from './request-guard.ts';

export function bodyTooLarge(maxBodyBytes: number): BulwarkError {
  return new BulwarkError(
    'GW_BODY_TOO_LARGE',
    `request body exceeds the route's max_body (${maxBodyBytes} bytes)`,
  );
}

export function isBodyTooLarge(error: unknown): error is BulwarkError {
  return error instanceof BulwarkError && error.code === 'GW_BODY_TOO_LARGE';
}

export function bodyTooLargeRefusal(error: BulwarkError): Refusal {
  return { status: 413, code: error.code, message: error.message };
}

/**
 * Counts a body of undeclared length (chunked) as it streams and fails it past `maxBodyBytes`: the upstream
 * request is aborted with this error. A declared Content-Length needs no count, as node's parser enforces it.
 */
export function limitBody(source: Readable, maxBodyBytes: number): Readable {
  return Readable.from(countUpTo(source, maxBodyBytes), { objectMode: false });
}

async function* countUpTo(source: Readable, maxBodyBytes: number): AsyncIterable<Buffer> {
  let seenBytes = 0;
  let isOverLimit = false;
  try {
    for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      seenBytes += chunk.length;
      isOverLimit = seenBytes > maxBodyBytes;
      if (isOverLimit) throw bodyTooLarge(maxBodyBytes);
      yield chunk;
    }
  } finally {
    // Over the limit the client's connection must live to carry the 413; any other early end (the upstream
    // failed) destroys the source, as undici does with a body it was given directly.
    if (!isOverLimit && !source.readableEnded) source.destroy();
  }
}
