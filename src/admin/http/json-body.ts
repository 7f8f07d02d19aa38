import type { IncomingMessage } from 'node:http';

export type JsonBody =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

/** Admin bodies are a few fields; anything larger is a mistake or an attack, not a request. */
const maxBodyBytes = 16 * 1024;

/** Reads and parses a small JSON request body; never rejects for bad input, only reports it. */
export async function readJsonBody(request: IncomingMessage): Promise<JsonBody> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > maxBodyBytes) return { ok: false, reason: `the body is over ${maxBodyBytes} bytes` };
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: false, reason: 'the body is empty' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'the body is not valid JSON' };
  }
}
