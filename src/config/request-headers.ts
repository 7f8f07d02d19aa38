import { z } from 'zod';
import { headerNameWith, headerValue } from './header-fields.ts';
import { whenParsed } from './partly-parsed.ts';

/** `routes[].upstream_host` and `routes[].request_headers` (a part of route-schema.ts). */

/** Why a header name cannot be set or removed by a route, or undefined when it can. */
function refusalOf(name: string): string | undefined {
  if (name === 'host') return 'the Host is chosen with upstream_host (preserve, endpoint or a name)';
  if (name === 'content-length' || name === 'transfer-encoding')
    return `${name} frames the body, which the gateway forwards as it came`;
  // gateway/headers.ts's hop-by-hop set, which config/ may not import; the gateway drops these anyway.
  const hopByHop = ['connection', 'keep-alive', 'te', 'trailer', 'upgrade', 'expect'];
  if (hopByHop.includes(name) || name.startsWith('proxy-'))
    return `${name} is hop-by-hop: it belongs to one connection and is never forwarded`;
  return undefined;
}

const headerName = headerNameWith(refusalOf);

export const requestHeaders = z
  .strictObject({
    set: z
      .record(headerName, headerValue)
      .meta({ description: 'Headers sent upstream, replacing what the client sent; values may use ${NAME}' })
      .default({}),
    remove: z
      .array(headerName)
      .meta({
        description: 'Headers never sent upstream, whether the client sent them or the gateway added them',
      })
      .default([]),
  })
  .superRefine(
    (headers, ctx) => {
      const setNames = Object.keys(headers.set).map((name) => name.toLowerCase());
      setNames.forEach((name, i) => {
        if (setNames.indexOf(name) !== i)
          ctx.addIssue({
            code: 'custom',
            path: ['set'],
            message: `${name} is set twice (names ignore case)`,
          });
      });
      headers.remove.forEach((name, i) => {
        if (setNames.includes(name.toLowerCase()))
          ctx.addIssue({
            code: 'custom',
            path: ['remove', i],
            message: `${name} is both set and removed; set replaces the client's value already`,
          });
      });
    },
    whenParsed('set', 'remove'),
  )
  .transform((headers) => ({
    set: Object.entries(headers.set).map(([name, value]) => [name.toLowerCase(), value] as const),
    remove: headers.remove.map((name) => name.toLowerCase()),
  }));

/** `preserve` (the client's Host), `endpoint` (the endpoint URL's host:port), or a host name to send. */
export const upstreamHost = z
  .string()
  .regex(
    /^(preserve|endpoint|[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?)$/,
    'preserve, endpoint, or a host name with an optional :port',
  )
  .meta({
    description: "preserve (the client's Host), endpoint (the endpoint URL's host:port), or a host name",
  });

type UpstreamHostSpec =
  { readonly from: 'client' | 'endpoint' } | { readonly from: 'literal'; readonly value: string };

function hostSpecOf(text: string): UpstreamHostSpec {
  if (text === 'preserve') return { from: 'client' };
  if (text === 'endpoint') return { from: 'endpoint' };
  return { from: 'literal', value: text };
}

/** The route's RequestHeadersSpec, or undefined when it changes nothing, so its requests pay nothing. */
export function requestHeadersSpec(host: string, headers: z.output<typeof requestHeaders> | undefined) {
  const set = headers?.set ?? [];
  const remove = headers?.remove ?? [];
  if (host === 'preserve' && set.length === 0 && remove.length === 0) return undefined;
  return { host: hostSpecOf(host), remove, set };
}
