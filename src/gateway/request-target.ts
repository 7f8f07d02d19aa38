import type { IncomingMessage } from 'node:http';

/**
 * Rewrites `req.url` into the target the request is routed by and forwarded with. Matching the raw target
 * would let `/public/../internal` match a `/public/` route and reach `/internal` at any upstream that
 * resolves dot segments (WHATWG URL parsers, Go's path.Clean, servlet containers), past every rule of the
 * route it was matched by. nginx resolves dot segments before matching locations, and Envoy's
 * `normalize_path` does so and forwards the result; Bulwark always does both. Encoded slashes (`%2F`) are
 * left as they are, as Envoy leaves them by default; the few that could act as dot segments are refused
 * before (see escapedSlashRefusal).
 */
export function normalizeTarget(req: IncomingMessage): void {
  const target = req.url ?? '/';
  // Absolute form (RFC 9112 §3.2.2), sent by clients that take the gateway for a forward proxy.
  if (target.charCodeAt(0) !== slash) return fromAbsoluteForm(req, target);
  // Most targets hold no dot segment: two scans, no allocation. `%2` also finds %2e (and, harmlessly, %20).
  if (!target.includes('/.') && !target.includes('%2')) return;
  req.url = withoutDotSegments(target);
}

const slash = 0x2f;

/**
 * Why a path would leave its prefix at an upstream that decodes `%2F` (or `%5C`) before resolving dot
 * segments (Go's ServeMux, naive routers), which read `/public/..%2fadmin` as `/admin`; undefined for the
 * rest. Only a segment in which such an escape borders a dot segment is refused (nginx refuses those too),
 * so an id holding one (`/v1/projects/group%2Frepo`) still passes unchanged.
 */
export function escapedSlashRefusal(target: string): string | undefined {
  if (!target.includes('%')) return undefined;
  // Only a path with an encoded slash is split: an escape elsewhere (`?q=a%20b`) costs one search, no allocation.
  const slashAt = target.search(encodedSlash);
  const queryAt = target.indexOf('?');
  if (slashAt === -1 || (queryAt !== -1 && queryAt < slashAt)) return undefined;
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  for (const segment of path.split('/')) {
    if (!encodedSlash.test(segment)) continue;
    if (segment.split(encodedSlash).some((part) => dotsOf(part) !== 0))
      return 'an encoded slash (%2F or %5C) beside a dot segment in the request path';
  }
  return undefined;
}

const encodedSlash = /%2f|%5c/i;

/** RFC 3986 §5.2.4 over the path; the query is kept as it came. */
function withoutDotSegments(target: string): string {
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const query = queryAt === -1 ? '' : target.slice(queryAt);
  const segments = path.split('/');
  const kept: string[] = [];
  // segments[0] is the empty string before the leading slash.
  for (let i = 1; i < segments.length; i++) {
    const dots = dotsOf(segments[i]!);
    if (dots === 0) {
      kept.push(segments[i]!);
      continue;
    }
    if (dots === 2) kept.pop();
    // `/a/b/..` is the directory `/a/`: a dot segment at the end leaves its slash.
    if (i === segments.length - 1) kept.push('');
  }
  return `/${kept.join('/')}${query}`;
}

/**
 * 1 for `.`, 2 for `..`, 0 otherwise; `%2e` counts as a dot in either case, as WHATWG URL parsers (and so
 * most upstreams written in JavaScript) read it.
 */
function dotsOf(segment: string): 0 | 1 | 2 {
  if (segment.length === 0 || segment.length > 6) return 0;
  const plain = segment.replace(/%2e/gi, '.');
  if (plain === '.') return 1;
  if (plain === '..') return 2;
  return 0;
}

/**
 * `http://host:port/path?query` → `/path?query`, and the target's authority replaces the Host header, as
 * RFC 9112 §3.2.2 requires. Anything else (`*`, garbage) is left to match no route.
 */
function fromAbsoluteForm(req: IncomingMessage, target: string): void {
  const match = /^https?:\/\/([^/?#]+)/i.exec(target);
  if (!match) return;
  const rest = target.slice(match[0].length);
  req.url = rest.startsWith('/') ? rest : `/${rest}`;
  // Credentials in the authority (`http://user:pass@host/`) are not part of the host.
  const host = match[1]!.slice(match[1]!.lastIndexOf('@') + 1);
  if (host) req.headers.host = host;
  normalizeTarget(req);
}
