import type { IncomingHttpHeaders } from 'node:http';
import type { RouteSpec } from './spec.ts';

/** A route as the request path sees it: its index in config (to find its runtime) and its spec. */
export interface MatchedRoute {
  readonly index: number;
  readonly spec: RouteSpec;
}

/** The route id of requests no route matched (the config refuses it as a name). */
export const noRouteId = 'none';

/**
 * What metrics, traffic history, logs and rate-limit buckets know a route by: its name, or its position
 * (`0`, `1`, …) when it has none. Names are never all digits, so the two never meet. Built once per config.
 */
export function routeIdOf(route: { readonly name?: string | undefined }, index: number): string {
  return route.name ?? String(index);
}

/** First match wins, in config order, as in Envoy and nginx location blocks with explicit order. */
export function compileRoutes(
  routes: readonly RouteSpec[],
): (method: string, path: string, headers: IncomingHttpHeaders) => MatchedRoute | undefined {
  const compiled = routes.map((spec, index) => {
    const wanted = spec.match.headers ? Object.entries(spec.match.headers) : [];
    return {
      index,
      spec,
      methods: spec.match.methods ? new Set(spec.match.methods) : undefined,
      headers: wanted.filter(([name]) => name !== 'host'),
      // Host names are case-insensitive (RFC 9110 §7.2, RFC 3986 §3.2.2), as Envoy matches domains.
      host: wanted.find(([name]) => name === 'host')?.[1].toLowerCase(),
    };
  });
  return (method, path, headers) => {
    // Lower-cased once per request, and only when a route that asks for a host is reached.
    let requestHost: string | undefined;
    let isHostRead = false;
    for (const route of compiled) {
      if (!path.startsWith(route.spec.match.pathPrefix)) continue;
      if (route.methods && !route.methods.has(method)) continue;
      if (route.host !== undefined) {
        if (!isHostRead) {
          requestHost = hostOf(headers);
          isHostRead = true;
        }
        if (requestHost !== route.host) continue;
      }
      if (hasHeaders(route.headers, headers)) return route;
    }
    return undefined;
  };
}

/** HTTP/2 names the host in `:authority` (RFC 9113 §8.3.1), as headers.ts forwards it. */
function hostOf(headers: IncomingHttpHeaders): string | undefined {
  const host = headers.host ?? headers[':authority'];
  return typeof host === 'string' ? host.toLowerCase() : undefined;
}

// A loop rather than `every` with a closure: this runs for every request, usually over no headers at all.
function hasHeaders(wanted: readonly (readonly [string, string])[], headers: IncomingHttpHeaders): boolean {
  for (const [name, value] of wanted) if (headers[name] !== value) return false;
  return true;
}
