import type { z } from 'zod';
import { isMapping, type PartlyParsed } from './partly-parsed.ts';

/**
 * Entries that parse on their own but collide with another: an endpoint listed twice in a pool, a route that
 * an earlier one takes every request from, two routes of one name. All read whatever parsed, beside the
 * file's other errors.
 */

export function checkOverlaps(read: PartlyParsed, ctx: z.RefinementCtx<unknown>): void {
  for (const name of read.keys(['pools']) ?? []) checkDuplicateEndpoints(read, name, ctx);
  checkShadowedRoutes(read, ctx);
  checkDuplicateRouteNames(read, ctx);
}

// A name is a route's identity in metrics, traffic history and rate-limit buckets: two would share all three.
function checkDuplicateRouteNames(read: PartlyParsed, ctx: z.RefinementCtx<unknown>): void {
  const firstByName = new Map<string, number>();
  for (const i of read.indexes(['routes'])) {
    const name = read.string(['routes', i, 'name']);
    if (name === undefined) continue;
    const first = firstByName.get(name);
    if (first === undefined) {
      firstByName.set(name, i);
      continue;
    }
    ctx.addIssue({
      code: 'custom',
      path: ['routes', i, 'name'],
      message:
        `routes[${first}] (line {first}) is named "${name}" too; route names must be unique, as metrics, ` +
        'traffic history and rate limits know a route by its name',
      params: { lineOf: { first: ['routes', first, 'name'] } },
    });
  }
}

// The admin API drains, weighs and ejects an endpoint by its host:port, so two entries with one id act as one.
function checkDuplicateEndpoints(read: PartlyParsed, pool: string, ctx: z.RefinementCtx<unknown>): void {
  const firstById = new Map<string, { index: number; url: string }>();
  for (const i of read.indexes(['pools', pool, 'endpoints'])) {
    const url = read.string(['pools', pool, 'endpoints', i, 'url']);
    const id = url === undefined ? undefined : endpointIdOf(url);
    if (url === undefined || id === undefined) continue;
    const first = firstById.get(id);
    if (first === undefined) {
      firstById.set(id, { index: i, url });
      continue;
    }
    const where = `in pool ${pool} (endpoints[${first.index}] and [${i}])`;
    const message =
      first.url.replace(/\/$/, '') === url.replace(/\/$/, '')
        ? `endpoint ${url} is listed twice ${where}`
        : `endpoints ${first.url} and ${url} share the id ${id}, by which the admin API drains them, ${where}`;
    ctx.addIssue({
      code: 'custom',
      path: ['pools', pool, 'endpoints', i, 'url'],
      message,
    });
  }
}

/** The id the gateway gives an endpoint (src/gateway/endpoint.ts): its URL's host, with a port unless default. */
function endpointIdOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

interface RouteMatch {
  readonly pathPrefix: string;
  readonly methods: readonly string[] | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

/** The match keys the check understands; a route matching on any other key is never called shadowed. */
const knownMatchKeys = new Set(['pathPrefix', 'methods', 'headers']);

// Routes match first-match in order (src/gateway/routes.ts): a later route whose every request an earlier one
// also matches is dead config, and usually a more specific route written below a general one.
function checkShadowedRoutes(read: PartlyParsed, ctx: z.RefinementCtx<unknown>): void {
  const routes = read.indexes(['routes']).map((i) => ({ index: i, match: routeMatchAt(read, i) }));
  for (const later of routes) {
    if (!later.match) continue;
    const earlier = routes.find(
      (r) => r.index < later.index && r.match && covers(r.match, later.match as RouteMatch),
    );
    if (!earlier) continue;
    // The message's {earlier} becomes that route's line (issues.ts): a refinement sees no positions.
    ctx.addIssue({
      code: 'custom',
      path: ['routes', later.index],
      message:
        `can never match: routes[${earlier.index}] (line {earlier}) comes first and matches every request ` +
        'this route would; put the more specific route first',
      params: { lineOf: { earlier: ['routes', earlier.index] } },
    });
  }
}

/** The parsed match of a route; undefined when it failed or uses a key this check does not know. */
function routeMatchAt(read: PartlyParsed, index: number): RouteMatch | undefined {
  const path = ['routes', index, 'match'];
  const match = read.raw(path);
  if (!read.isParsed(path) || !isMapping(match)) return undefined;
  if (Object.keys(match).some((key) => !knownMatchKeys.has(key) && match[key] !== undefined))
    return undefined;
  const { pathPrefix, methods, headers } = match;
  if (typeof pathPrefix !== 'string') return undefined;
  return {
    pathPrefix,
    methods: Array.isArray(methods) ? methods.map(String) : undefined,
    headers: isMapping(headers) ? (headers as Record<string, string>) : {},
  };
}

/** True when every request `later` matches is matched by `earlier` too. */
function covers(earlier: RouteMatch, later: RouteMatch): boolean {
  if (!later.pathPrefix.startsWith(earlier.pathPrefix)) return false;
  // A later route without methods also takes methods the earlier one does not list.
  if (earlier.methods && !later.methods?.every((m) => earlier.methods?.includes(m))) return false;
  return Object.entries(earlier.headers).every(([name, value]) => later.headers[name] === value);
}
