import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { RequestHeadersSpec, UnderscoredHeaderAction } from './spec.ts';

/** RFC 9110 §7.6.1: meaningful for one connection only, never forwarded. `Expect` is answered by our own server. */
const hopByHop = new Set([
  'connection',
  'expect',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // httpoxy (CVE-2016-5385): CGI-style upstreams read `Proxy` as HTTP_PROXY, their own outbound proxy.
  'proxy',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
]);

// HTTP/2 pseudo-headers (`:path`, `:authority`) frame the client's hop; the upstream request gets its own.
function isHopByHop(name: string, connectionNamed: ReadonlySet<string> | undefined): boolean {
  return (
    hopByHop.has(name) ||
    name.startsWith('proxy-') ||
    name.startsWith(':') ||
    (connectionNamed?.has(name) ?? false)
  );
}

/** Headers named by `Connection: a, b` are hop-by-hop too. */
function namedByConnection(value: string | string[] | undefined): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  // Nearly every upstream answer says `Connection: keep-alive`, which names a header dropped anyway: no
  // array and set per response for it (they were among the request path's own allocations), and for the
  // usual spellings not even a lowercase copy.
  if (text === 'keep-alive') return undefined;
  if (!text.includes(',') && hopByHop.has(text.trim().toLowerCase())) return undefined;
  return new Set(text.split(',').map((token) => token.trim().toLowerCase()));
}

export interface ForwardContext {
  readonly requestId: string;
  readonly clientIp: string;
  readonly proto: 'http' | 'https';
}

const appendList = (existing: string | string[] | undefined, value: string): string =>
  existing === undefined ? value : `${Array.isArray(existing) ? existing.join(', ') : existing}, ${value}`;

/**
 * The request headers an upstream receives: end-to-end headers, forwarding chain appended, request id set,
 * then the route's own changes (`rewrite`, undefined for a route that has none). An underscored name is
 * dropped, or kept under `allow` (see isForgeable); `reject` refused the request before this (underscoreRefusal).
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  context: ForwardContext,
  rewrite?: RequestHeadersSpec,
  underscores: UnderscoredHeaderAction = 'drop',
): Record<string, string | string[]> {
  const named = namedByConnection(incoming.connection);
  const headers: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined) continue;
    // Dropped by default as nginx does (see isForgeable); one test per header, the policy read only on a hit.
    if (name.includes('_')) {
      if (underscores !== 'allow' || isForgeable(name, named, rewrite)) continue;
    } else if (isHopByHop(name, named)) continue;
    headers[name] = value;
  }
  headers['x-forwarded-for'] = appendList(incoming['x-forwarded-for'], context.clientIp);
  headers['x-forwarded-proto'] = appendList(incoming['x-forwarded-proto'], context.proto);
  // HTTP/2 clients name the host in :authority (RFC 9113 §8.3.1); an HTTP/1.1 upstream expects Host.
  const authority = incoming[':authority'];
  const host = incoming.host ?? (typeof authority === 'string' ? authority : undefined);
  if (host) {
    headers.host = host;
    headers['x-forwarded-host'] = appendList(incoming['x-forwarded-host'], host);
  }
  // An empty one names no host (the guard refuses it on HTTP/1): the endpoint's own goes, as without one.
  else if (host === '') delete headers.host;
  // A client's Forwarded (RFC 7239) gets our element last, as X-Forwarded-* do: frameworks that prefer it
  // (Spring, Rails) would otherwise read only what the client wrote.
  const { forwarded } = incoming;
  if (forwarded !== undefined) headers.forwarded = appendList(forwarded, forwardedElement(context, host));
  headers['x-request-id'] = context.requestId;
  if (rewrite !== undefined) applyRewrite(headers, rewrite);
  return headers;
}

/**
 * CGI, WSGI and PHP read `X_Forwarded_For` as HTTP_X_FORWARDED_FOR, the header Bulwark sets (and some servers
 * read `Transfer_Encoding` as framing): under `allow`, a name that spells one the gateway sets, removes or
 * frames by (hop-by-hop, Content-Length, the route's own) once `_` reads `-` is dropped all the same.
 */
function isForgeable(
  name: string,
  named: ReadonlySet<string> | undefined,
  rewrite: RequestHeadersSpec | undefined,
): boolean {
  const dashed = name.replaceAll('_', '-');
  if (vouchedFor.has(dashed) || isHopByHop(name, named) || isHopByHop(dashed, named)) return true;
  if (rewrite === undefined) return false;
  return rewrite.remove.includes(dashed) || rewrite.set.some(([setName]) => setName === dashed);
}

/** What the gateway writes itself (forwarding chain, request id) or frames the body by. */
const vouchedFor = new Set([
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
  'forwarded',
  'content-length',
]);

/** RFC 7239 §4: an IPv6 node and a host with a port are quoted strings (`:` is no token character). */
function forwardedElement(context: ForwardContext, host: string | undefined): string {
  const node = context.clientIp.includes(':') ? `"[${context.clientIp}]"` : context.clientIp;
  const element = `for=${node};proto=${context.proto}`;
  return host ? `${element};host="${host.replace(/["\\]/g, '\\$&')}"` : element;
}

function applyRewrite(headers: Record<string, string | string[]>, rewrite: RequestHeadersSpec): void {
  const { host } = rewrite;
  // With no Host, undici (and node, for an upgrade) write the endpoint's own `host[:port]`, per attempt.
  if (host.from === 'endpoint') delete headers.host;
  else if (host.from === 'literal') headers.host = host.value;
  for (const name of rewrite.remove) delete headers[name];
  for (const [name, value] of rewrite.set) headers[name] = value;
}

/** The response headers a client receives: end-to-end upstream headers plus the request id. */
export function clientResponseHeaders(upstream: IncomingHttpHeaders, requestId: string): OutgoingHttpHeaders {
  const named = namedByConnection(upstream.connection);
  const headers: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || isHopByHop(name, named)) continue;
    headers[name] = value;
  }
  headers['x-request-id'] = requestId;
  return headers;
}

/**
 * The upstream's reason phrase when node can write it, else undefined (node then writes the standard one).
 * undici decodes the phrase as UTF-8, so an obs-text byte, which RFC 9112 §4 allows, arrives as U+FFFD or
 * a character beyond Latin-1, and node's writeHead throws on either: the response would be lost over a
 * phrase clients must ignore anyway.
 */
export function reasonPhrase(statusMessage: string | undefined): string | undefined {
  if (!statusMessage) return undefined;
  for (let i = 0; i < statusMessage.length; i++) {
    const code = statusMessage.charCodeAt(i);
    if (code > 0x7e || (code < 0x20 && code !== 0x09)) return undefined;
  }
  return statusMessage;
}
