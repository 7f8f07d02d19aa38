import type { IncomingMessage, ServerResponse } from 'node:http';

/** Small request/response helpers shared by the simulated upstream and its control listener. */

export class BodyTooLargeError extends Error {
  readonly code = 'DEMO_BODY_TOO_LARGE';
}

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let totalBytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    totalBytes += chunk.length;
    if (totalBytes > maxBytes) throw new BodyTooLargeError(`request body exceeds ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Counts without buffering, so /echo can take bodies of any size in proxy tests. */
export async function countBodyBytes(req: IncomingMessage): Promise<number> {
  let totalBytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) totalBytes += chunk.length;
  return totalBytes;
}

export function sendJson(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Path without the query string; the URL base is irrelevant because only the path is used. */
export function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://upstream').pathname;
}

export function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://upstream').searchParams;
}
