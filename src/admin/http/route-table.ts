import type { AdminRoute, RouteParams } from './respond.ts';

type Handler = AdminRoute['handle'];

export type RouteMatch =
  | { readonly kind: 'found'; readonly handle: Handler; readonly params: RouteParams }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'method-not-allowed'; readonly allowed: readonly string[] }
  | { readonly kind: 'bad-path'; readonly message: string };

interface Entry {
  readonly path: string;
  readonly segments: readonly string[];
  readonly byMethod: Map<string, Handler>;
}

/**
 * The admin routes by path, then method; HEAD falls back to GET. A `{name}` segment captures one
 * URL-decoded segment: paths are split before decoding, so an endpoint id sent as `127.0.0.1%3A9001`
 * and one sent as `127.0.0.1:9001` both match, and an encoded slash cannot forge another route.
 */
export class RouteTable {
  readonly #entries: Entry[] = [];

  constructor(routes: readonly AdminRoute[]) {
    for (const route of routes) {
      let entry = this.#entries.find((candidate) => candidate.path === route.path);
      if (!entry) {
        entry = { path: route.path, segments: route.path.split('/'), byMethod: new Map() };
        this.#entries.push(entry);
      }
      entry.byMethod.set(route.method, route.handle);
      if (route.method === 'GET') entry.byMethod.set('HEAD', route.handle);
    }
  }

  get paths(): readonly string[] {
    return this.#entries.map((entry) => entry.path);
  }

  match(method: string, path: string): RouteMatch {
    const segments = path.split('/');
    for (const entry of this.#entries) {
      const params = paramsOf(entry.segments, segments);
      if (params === undefined) continue;
      if (typeof params === 'string') return { kind: 'bad-path', message: params };
      const handle = entry.byMethod.get(method);
      if (handle) return { kind: 'found', handle, params };
      return { kind: 'method-not-allowed', allowed: [...entry.byMethod.keys()] };
    }
    return { kind: 'not-found' };
  }
}

/** undefined when the path does not fit the pattern; a string says why a segment could not be decoded. */
function paramsOf(pattern: readonly string[], segments: readonly string[]): RouteParams | string | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, expected] of pattern.entries()) {
    const actual = segments[i] ?? '';
    const isParam = expected.startsWith('{') && expected.endsWith('}');
    if (!isParam) {
      if (actual !== expected) return undefined;
      continue;
    }
    if (actual === '') return undefined;
    try {
      params[expected.slice(1, -1)] = decodeURIComponent(actual);
    } catch {
      return `path segment "${actual}" is not valid percent-encoding`;
    }
  }
  return params;
}
