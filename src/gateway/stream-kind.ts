import type { IncomingHttpHeaders } from 'node:http';

/**
 * Media types of streamed responses: server-sent events, and the line-delimited JSON that LLM servers stream
 * (Ollama's application/x-ndjson, JSON Lines, RFC 7464 JSON text sequences, Spring's stream+json). Once such
 * a response's headers are out, `timeouts.total` no longer applies to it: `idle` bounds it instead. One
 * case-insensitive test, parameters allowed: an ordinary response fails it within a few characters, and a
 * failed exec allocates nothing.
 */
const streamedType =
  /^\s*(?:(text\/event-stream)|application\/(?:x-ndjson|jsonl|json-seq|stream\+json))\s*(?:;|$)/i;

/**
 * `event-stream`: SSE the gateway can follow and end with an error event. `unframed`: a stream it cannot add
 * a frame to (line-delimited JSON, or SSE under a Content-Encoding: a plaintext frame would corrupt the
 * compressed body), so a broken one is cut. undefined: an ordinary response.
 */
export type StreamKind = 'event-stream' | 'unframed' | undefined;

export function streamKind(headers: IncomingHttpHeaders): StreamKind {
  const type = headers['content-type'];
  const match = typeof type === 'string' ? streamedType.exec(type) : null;
  if (match === null) return undefined;
  return match[1] !== undefined && isIdentityEncoded(headers) ? 'event-stream' : 'unframed';
}

function isIdentityEncoded(headers: IncomingHttpHeaders): boolean {
  const encoding = headers['content-encoding'];
  return encoding === undefined || encoding.trim() === '' || encoding.trim().toLowerCase() === 'identity';
}
