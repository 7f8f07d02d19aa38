import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../core/errors.ts';
import { expectationRefusalOf } from './expectations.ts';
import { isValidHost } from './host-syntax.ts';
import { requestIdOf } from './request-context.ts';
import { escapedSlashRefusal } from './request-target.ts';
import { publishLocalAnswer } from './request-events.ts';
import { noRouteId } from './routes.ts';
import { sendError } from './responses.ts';
import { rejectUpgrade } from './upgrade-tunnel.ts';

export interface Refusal {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * What node's parser lets through but the gateway must not forward. llhttp (strict by default) already
 * refuses Content-Length with Transfer-Encoding, duplicate Content-Length, bad chunks, obs-fold and invalid
 * header names; these are the ambiguities left, checked before anything is sent upstream.
 */
export function refusalOf(req: IncomingMessage, maxHeaders: number): Refusal | undefined {
  // node keeps a few lines past server.maxHeadersCount (maxHeaders + 1) and drops the rest silently.
  if (req.rawHeaders.length / 2 > maxHeaders)
    return {
      status: 431,
      code: 'GW_HEADERS_TOO_LARGE',
      message: `more header lines than limits.max_headers (${maxHeaders})`,
    };
  if (req.httpVersionMajor !== 1) {
    const refusal = versionRefusal(req);
    if (refusal) return refusal;
  }
  const transferEncoding = req.headers['transfer-encoding'];
  if (transferEncoding !== undefined) {
    const refusal = transferCodingRefusal(req, transferEncoding);
    if (refusal) return refusal;
  }
  const hostRefusal = hostRefusalOf(req);
  if (hostRefusal) return hostRefusal;
  const expectationRefusal = expectationRefusalOf(req);
  if (expectationRefusal) return expectationRefusal;
  return targetRefusalOf(req.url ?? '/');
}

/**
 * llhttp reads `HTTP/2.0` and `HTTP/0.9` in an HTTP/1 request line, and node then reports that major version:
 * such a request is no HTTP/2 (that comes by ALPN on the TLS listener, with a stream of its own). As HTTP/2 it
 * was read as if it had a stream, which threw and ended the process (RFC 9110 §15.6.6: 505).
 */
function versionRefusal(req: IncomingMessage): Refusal | undefined {
  const { stream } = req as { stream?: object };
  if (req.httpVersionMajor === 2 && stream !== undefined) return authorityRefusal(req);
  return {
    status: 505,
    code: 'GW_BAD_REQUEST',
    message: `HTTP/${req.httpVersion} is not served: HTTP/1.x here, HTTP/2 by ALPN over TLS`,
  };
}

/** RFC 9113 §8.3.1: a Host naming another authority than `:authority` makes the target ambiguous. */
function authorityRefusal(req: IncomingMessage): Refusal | undefined {
  const { host } = req.headers;
  const authority = req.headers[':authority'];
  if (host === undefined || typeof authority !== 'string' || host === authority) return undefined;
  // Host names are case-insensitive (RFC 3986 §3.2.2).
  if (host.toLowerCase() === authority.toLowerCase()) return undefined;
  return { status: 400, code: 'GW_BAD_REQUEST', message: 'Host differs from :authority' };
}

function transferCodingRefusal(req: IncomingMessage, value: string): Refusal | undefined {
  // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing, whatever else it says.
  if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0)
    return { status: 400, code: 'GW_BAD_REQUEST', message: 'Transfer-Encoding in an HTTP/1.0 request' };
  const codings = value.toLowerCase().split(',');
  // RFC 9112 §6.3: when chunked is not the final coding the body's length cannot be known.
  if (codings.at(-1)?.trim() !== 'chunked')
    return { status: 400, code: 'GW_BAD_REQUEST', message: 'Transfer-Encoding must end with chunked' };
  // node decodes only chunked and Transfer-Encoding is hop-by-hop: "gzip, chunked" would lose its gzip.
  if (codings.length > 1)
    return {
      status: 501,
      code: 'GW_UNSUPPORTED_TRANSFER_CODING',
      message: 'only the chunked transfer coding is supported',
    };
  return undefined;
}

/**
 * RFC 9112 §3.2: two Host lines make the target ambiguous (node keeps the first, an upstream may not), and
 * a Host that is no `host[:port]` must be refused too; an HTTP/1.1 request without one gets 400 (node's own
 * answer would be a bare 400, not JSON). An empty Host names no authority, which an http(s) URI always has
 * (RFC 9110 §4.2.1: reject it as invalid), so it is refused as a missing one is, as nginx does.
 */
function hostRefusalOf(req: IncomingMessage): Refusal | undefined {
  const { rawHeaders } = req;
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    // The usual spellings first: toLowerCase on every request's Host line was a measurable cost.
    if (name.length !== 4 || (name !== 'Host' && name !== 'host' && name.toLowerCase() !== 'host')) continue;
    count += 1;
    const value = rawHeaders[i + 1]!;
    if (value === '') return { status: 400, code: 'GW_BAD_REQUEST', message: 'Host is empty' };
    if (!isValidHost(value))
      return { status: 400, code: 'GW_BAD_REQUEST', message: 'Host is not a valid host[:port]' };
  }
  if (count > 1) return { status: 400, code: 'GW_BAD_REQUEST', message: 'more than one Host header' };
  if (count === 0 && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1)
    return { status: 400, code: 'GW_BAD_REQUEST', message: 'an HTTP/1.1 request needs a Host header' };
  return undefined;
}

/**
 * A target the upstream could read as another path than the one routed: `#` has no place in a request
 * target (RFC 9112 §3.2; Envoy refuses it), and WHATWG URL parsers, as most JavaScript upstreams use, end
 * the path there and read `\` in it as `/`. `/public/..\admin` matched a `/public/` route and reached
 * `/admin`, `/public/..#` reached `/`.
 */
function targetRefusalOf(target: string): Refusal | undefined {
  if (target.includes('#'))
    return { status: 400, code: 'GW_BAD_REQUEST', message: 'a fragment (#) in the request target' };
  const escapedSlash = escapedSlashRefusal(target);
  if (escapedSlash) return { status: 400, code: 'GW_BAD_REQUEST', message: escapedSlash };
  const backslashAt = target.indexOf('\\');
  if (backslashAt === -1) return undefined;
  // In the query a backslash is only a character: WHATWG reads it as a slash in the path alone.
  const queryAt = target.indexOf('?');
  if (queryAt !== -1 && queryAt < backslashAt) return undefined;
  return { status: 400, code: 'GW_BAD_REQUEST', message: 'a backslash in the request path' };
}

/**
 * Answers and closes the connection once the answer is out: the rest of a refused request (a body too
 * large, or framing nobody can trust) is never read, let alone drained.
 */
export function refuse(res: ServerResponse, refusal: Refusal, requestId: string): void {
  res.shouldKeepAlive = false;
  sendError(res, refusal.status, refusal.code, refusal.message, requestId);
}

/** `refuse`, and the refusal counted and logged as the guard's others are (publishRefusal). */
export function refuseRequest(
  req: IncomingMessage,
  res: ServerResponse,
  refusal: Refusal,
  requestId: string,
): void {
  refuse(res, refusal, requestId);
  publishRefusal(refusal, requestId, req);
}

/** Header names are tokens, so safe to echo, but one may be as long as limits.max_header_bytes. */
const maxNameInMessage = 64;

/**
 * `gateway.headers_with_underscores: reject` (Envoy's REJECT_REQUEST): refuses a request with a name holding an
 * underscore, naming the first as the client wrote it, never its value, which may be a credential (`api_key`).
 */
export function underscoreRefusal(req: IncomingMessage): Refusal | undefined {
  const { rawHeaders } = req;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (!name.includes('_')) continue;
    const shown = name.length > maxNameInMessage ? `${name.slice(0, maxNameInMessage)}...` : name;
    return {
      status: 400,
      code: 'GW_BAD_REQUEST',
      message: `header name with an underscore: ${shown} (gateway.headers_with_underscores is reject)`,
    };
  }
  return undefined;
}

/**
 * As `refuse`, on a socket node handed over without a response (an upgrade, CONNECT): the JSON answer is
 * written raw and the socket closed, and the refusal is published like any other.
 */
export function refuseOnSocket(req: IncomingMessage, socket: Duplex, refusal: Refusal): void {
  const requestId = requestIdOf(req);
  rejectUpgrade(socket, refusal.status, refusal.code, refusal.message, requestId);
  publishRefusal(refusal, requestId, req);
}

/**
 * A refused request still shows in metrics and logs, unrouted (route `none`) like a 404; `req` when parsed, or
 * the request line read from the bytes node's parser refused.
 */
export function publishRefusal(
  refusal: Refusal,
  requestId: string,
  req?: Pick<IncomingMessage, 'method' | 'url'>,
): void {
  publishLocalAnswer(req, requestId, noRouteId, refusal.status, refusal.code);
}
