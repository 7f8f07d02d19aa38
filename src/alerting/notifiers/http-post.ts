import { request } from 'undici';
import { retryAfterMs } from '../../core/retry-after.ts';
import { DeliveryError, type NotifierIo } from './notifier.ts';

export interface PostOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Defaults to JSON of `body`; pass a string for form or plain-text services (Pushover, ntfy). */
  readonly contentType?: string;
  /** How much of the service's answer is read (16 KiB by default): enough for an error's text. */
  readonly maxResponseBytes?: number;
  /** Keys and tokens to blank out of the service's error text, should it echo part of the request back. */
  readonly secrets?: readonly string[];
  /** A service that says when to retry in its body rather than a Retry-After header (Telegram). */
  readonly retryAfterInBody?: (body: string) => number | undefined;
}

export interface PostResponse {
  readonly status: number;
  readonly body: string;
}

const defaultMaxResponseBytes = 16_384;

/**
 * POSTs one message. 2xx resolves with the (bounded) response body; anything else rejects with a
 * DeliveryError whose message names only the URL's origin: webhook URLs carry their secret in the path
 * (Slack, Discord, Teams) or the query (Google Chat), so the full URL must never reach a log or the API.
 */
export async function postToService(
  url: string,
  body: unknown,
  io: NotifierIo,
  options: PostOptions = {},
): Promise<PostResponse> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return callService('POST', url, text, io, options);
}

/** GETs one resource (JSM's alert lookup by alias) with the same redaction and retry classification. */
export async function getFromService(
  url: string,
  io: NotifierIo,
  options: PostOptions = {},
): Promise<PostResponse> {
  return callService('GET', url, undefined, io, options);
}

async function callService(
  method: 'GET' | 'POST',
  url: string,
  text: string | undefined,
  io: NotifierIo,
  options: PostOptions,
): Promise<PostResponse> {
  const where = originOf(url);
  const contentType = text === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' };
  let response;
  try {
    response = await request(url, {
      method,
      headers: { ...contentType, 'user-agent': 'Bulwark', ...options.headers },
      body: text ?? null,
      signal: io.signal,
    });
  } catch (error) {
    const reason = io.signal.aborted ? 'timed out' : `failed (${errorCode(error)})`;
    throw new DeliveryError(`${method} to ${where} ${reason}`, { isRetryable: true });
  }
  const responseText = await readBounded(response.body, options.maxResponseBytes ?? defaultMaxResponseBytes);
  const { statusCode } = response;
  if (statusCode >= 200 && statusCode < 300) return { status: statusCode, body: responseText };
  const isRetryable = statusCode === 429 || statusCode === 408 || statusCode >= 500;
  const secrets = [...(options.secrets ?? []), ...secretsOfUrl(url)];
  throw new DeliveryError(`${where} answered ${statusCode}${excerpt(responseText, secrets)}`, {
    isRetryable,
    status: statusCode,
    retryAfterMs:
      retryAfterMs(response.headers['retry-after'], io.nowMs()) ?? options.retryAfterInBody?.(responseText),
  });
}

/** `https://hooks.slack.com` for any Slack webhook URL; a placeholder when the URL does not parse. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

async function readBounded(
  body: AsyncIterable<Buffer> & { destroy(): void },
  maxBytes: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    bytes += chunk.length;
    if (bytes >= maxBytes) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, maxBytes);
}

/**
 * The parts of a service URL that may be its credential: Slack, Discord, Teams and most webhooks carry their
 * key in the path or query, and a service answering 404 ("Cannot POST /services/T0/B0/KEY") echoes it back.
 * Segments under 6 characters (`api`, `v1`) are names, not keys, and redacting them would garble the text.
 */
export function secretsOfUrl(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const { pathname, search, username, password } = parsed;
  const parts = [pathname + search, pathname, search.slice(1), username, password];
  for (const segment of pathname.split('/')) parts.push(segment, safeDecode(segment));
  for (const value of parsed.searchParams.values()) parts.push(value, encodeURIComponent(value));
  return parts.filter((part) => part.length >= 6);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// A service's error text helps whoever fixes the config; 200 characters is enough and keeps records small.
// It is the service's own words, never our request URL; `secrets` covers a service echoing a key or its URL back.
function excerpt(text: string, secrets: readonly string[]): string {
  let trimmed = text.trim().replace(/\s+/g, ' ');
  // Longest first: a whole path is redacted as one, not left in pieces around its redacted segments.
  const longestFirst = [...secrets].sort((a, b) => b.length - a.length);
  for (const secret of longestFirst) if (secret !== '') trimmed = trimmed.replaceAll(secret, '[redacted]');
  return trimmed === '' ? '' : `: ${trimmed.slice(0, 200)}`;
}

function errorCode(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.name : 'unknown error';
}
