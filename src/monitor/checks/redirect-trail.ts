import type { Dispatcher } from 'undici';

/**
 * An interceptor to compose inside undici's redirect interceptor: it sees every request of the chain and
 * appends its URL to `urls`, so a redirect loop can be told by the URLs it went through.
 */
export function recordRedirects(urls: string[]): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => {
    urls.push(new URL(options.path, options.origin).href);
    return dispatch(options, handler);
  };
}

/**
 * A short reason for undici's redirect loop error, whose own message only names the origin and advises on
 * Clients and Agents; undefined for any other error. `urls` are those recordRedirects saw, in order.
 */
export function describeRedirectLoop(error: unknown, urls: readonly string[]): string | undefined {
  const isLoop =
    error instanceof Error &&
    Reflect.get(error, 'code') === 'UND_ERR_INVALID_ARG' &&
    error.message.startsWith('Redirect loop detected');
  const [first] = urls;
  const last = urls.at(-1);
  if (!isLoop || first === undefined || last === undefined) return undefined;
  // undici stops when a Location names a URL it already requested: with one request, that is itself.
  if (urls.length === 1) return `redirect loop: ${last} redirects to itself`;
  const redirects = urls.length - 1;
  const after = `${redirects} redirect${redirects === 1 ? '' : 's'} after ${first}`;
  return `redirect loop: ${last} redirects back to a URL already visited (${after})`;
}
