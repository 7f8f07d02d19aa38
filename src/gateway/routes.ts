import type { IncomingHttpHeaders } from 'node:http';
import type { RouteSpec } from './spec.ts';

/** A route as the request path sees it: its index in config (for metrics) and its spec. */
export interface MatchedRoute {
  readonly index: number;
  readonly spec: RouteSpec;
}

/** First match wins, in config order, as in Envoy and nginx location blocks with explicit order. */
export function compileRoutes(
  routes: readonly RouteSpec[],
): (method: string, path: string, headers: IncomingHttpHeaders) => MatchedRoute | undefined {
  const compiled = routes.map((spec, index) => ({
    index,
    spec,
    methods: spec.match.methods ? new Set(spec.match.methods) : undefined,
    headers: spec.match.headers ? Object.entries(spec.match.headers) : [],
  }));
  return (method, path, headers) => {
    for (const route of compiled) {
      if (!path.startsWith(route.spec.match.pathPrefix)) continue;
      if (route.methods && !route.methods.has(method)) continue;
      if (!route.headers.every(([name, value]) => headers[name] === value)) continue;
      return route;
    }
    return undefined;
  };
}
