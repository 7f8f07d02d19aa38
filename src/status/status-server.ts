import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.ts';
import { closerOf, listenOn } from '../core/listen.ts';
import {
  describeRefusals,
  guardListener,
  httpSettingsOf,
  limitsOf,
  type ListenerLimits,
  type ListenerSettings,
  type RefusedConnections,
} from '../core/listener-guard.ts';
import { prefersGzip } from './accept-encoding.ts';
import { jsonResource, pageResource, type Resource, type Site } from './site.ts';

/** A request the site has no file for (subscription forms and links): handled, or false for a 404. */
export type DynamicHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
) => Promise<boolean>;

/** Limits not given (status_page.max_connections and max_connections_per_ip) take statusListenerDefaults. */
export interface StatusServerOptions extends ListenerSettings {
  readonly host: string;
  readonly port: number;
  /** The current site; swapped whole on every change. */
  readonly site: () => Site;
  readonly dynamic?: DynamicHandler | undefined;
  readonly onError?: (error: unknown) => void;
  /** Connections refused over the caps, summed per period; without it they go to onError, never unsaid. */
  readonly onRefused?: ((refused: RefusedConnections, summary: string) => void) | undefined;
  /** For the refusal report's period; tests pass a fake. */
  readonly clock?: Clock | undefined;
}

/**
 * The listener faces the internet and shares the process's file descriptors with the gateway: node's
 * defaults (headers 60 s, checked every 30 s; no cap) let idle sockets take them all.
 */
export const statusListenerDefaults: ListenerLimits = {
  headerTimeoutMs: 10_000,
  // Bodies here are a subscription form's few hundred bytes.
  requestTimeoutMs: 30_000,
  // As before; the caps, not this, bound what idle sockets hold. A balancer in front must drop them sooner.
  keepAliveTimeoutMs: 30_000,
  // Half of a 1024-descriptor limit at most, so the gateway keeps the rest however many addresses flood.
  maxConnections: 512,
  // Browsers open up to 6 each, a NAT puts many behind one address, and a proxy in front pools its own.
  maxConnectionsPerIp: 128,
};

export interface RunningStatusServer {
  readonly url: string;
  close(): Promise<void>;
}

// Short: the page must show an outage within a check, and a CDN in front still absorbs a stampede.
const cacheControl = 'public, max-age=10, stale-while-revalidate=30';

/**
 * The public status listener: looks bytes up in the current site and sends them, with a strong ETag, gzip when
 * asked, and CORS for embedding. It touches no database and no gateway state per request.
 */
export async function startStatusServer(options: StatusServerOptions): Promise<RunningStatusServer> {
  const limits = limitsOf(statusListenerDefaults, options);
  const server = createServer(httpSettingsOf(limits), (request, response) => {
    serve(options, request, response).catch((error: unknown) => {
      options.onError?.(error);
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });
  const stopGuard = guardListener(server, limits, {
    refusal: {
      code: 'STATUS_TOO_MANY_CONNECTIONS',
      message: `too many open connections from this address (status_page.max_connections_per_ip: ${limits.maxConnectionsPerIp})`,
    },
    report: (refused) => {
      const summary = describeRefusals('the status listener', refused, limits);
      if (options.onRefused) options.onRefused(refused, summary);
      else options.onError?.(new ConnectionsRefused(summary));
    },
    clock: options.clock,
  });
  const url = await listenOn(server, options.host, options.port);
  server.on('error', (error) => options.onError?.(error));
  const close = closerOf(server);
  return {
    url,
    close: () => {
      stopGuard();
      return close();
    },
  };
}

async function serve(
  options: StatusServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://status.invalid');
  response.setHeader('access-control-allow-origin', '*');
  response.setHeader('x-content-type-options', 'nosniff');
  const method = request.method ?? 'GET';
  if (method === 'OPTIONS') {
    response.writeHead(204, {
      'access-control-allow-methods': 'GET, HEAD, OPTIONS',
      'access-control-allow-headers': 'if-none-match',
      'access-control-max-age': '86400',
    });
    response.end();
    return;
  }
  const site = options.site();
  const resource = method === 'GET' || method === 'HEAD' ? site.files.get(pathOf(url)) : undefined;
  if (resource) return send(request, response, 200, resource, method === 'HEAD');
  if (options.dynamic && (await options.dynamic(request, response, url))) return;
  if (method !== 'GET' && method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD, OPTIONS' }).end();
    return;
  }
  const path = pathOf(url);
  const notFound = path === apiPrefix || path.startsWith(`${apiPrefix}/`) ? apiNotFound(site) : site.notFound;
  send(request, response, 404, notFound, method === 'HEAD');
}

/** A flood told as an error: its stack would only show node's accept path, so it carries none. */
class ConnectionsRefused extends Error {
  constructor(summary: string) {
    super(summary);
    this.name = 'ConnectionsRefused';
    this.stack = `${this.name}: ${summary}`;
  }
}

const apiPrefix = '/api/v2';

/** A client of the JSON API parses what it gets: an HTML page there would read as a parse error, not a 404. */
function apiNotFound(site: Site): Resource {
  const documents = [...site.files.keys()].filter((p) => p.startsWith(`${apiPrefix}/`)).sort();
  return jsonResource({
    error: {
      code: 'STATUS_NOT_FOUND',
      message: `no such document; the Statuspage v2 API serves ${documents.join(', ')}`,
    },
  });
}

/**
 * `/history?page=3` (as an old link may ask) is `/history/3`, and `/history/1` (or `?page=1`) is `/history`;
 * a trailing slash is ignored.
 */
function pathOf(url: URL): string {
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  const page = url.searchParams.get('page');
  const asked = path === '/history' && page !== null && /^[0-9]{1,6}$/.test(page) ? `/history/${page}` : path;
  return asked === '/history/1' ? '/history' : asked;
}

/** A page made for this request alone (a form's answer): never cached, with the site's CSP. */
export function sendPage(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  html: string,
): void {
  send(request, response, status, pageResource(html), request.method === 'HEAD', { isShared: false });
}

function send(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  resource: Resource,
  isHead: boolean,
  options: { readonly isShared: boolean } = { isShared: true },
): void {
  const headers: Record<string, string> = {
    'content-type': resource.contentType,
    etag: resource.etag,
    'cache-control': status === 200 && options.isShared ? cacheControl : 'no-store',
    vary: 'accept-encoding',
  };
  if (resource.contentSecurityPolicy) headers['content-security-policy'] = resource.contentSecurityPolicy;
  if (status === 200 && matches(request.headers['if-none-match'], resource.etag)) {
    response.writeHead(304, headers).end();
    return;
  }
  const gzip = resource.gzip && prefersGzip(request.headers['accept-encoding']) ? resource.gzip : undefined;
  if (gzip) headers['content-encoding'] = 'gzip';
  const body = gzip ?? resource.body;
  headers['content-length'] = String(body.length);
  response.writeHead(status, headers);
  response.end(isHead ? undefined : body);
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`;
  });
}
