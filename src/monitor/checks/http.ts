import type { Readable } from 'node:stream';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { parseSizeBytes, type Observation } from '../../core/index.ts';
import type { Check, CheckContext } from './check.ts';
import { recordingConnector, type Connection } from './http-connector.ts';
import { describeRedirectLoop, recordRedirects } from './redirect-trail.ts';
import { startRun, type RunBounds } from './run-bounds.ts';

export interface HttpCheckSpec {
  readonly kind: 'http';
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** Follow up to 5 redirects; the observation is the final response's. */
  readonly followRedirects: boolean;
  readonly maxBodyBytes: number;
  /** https: whether an untrusted certificate is an error; true when absent. Days left are reported either way. */
  readonly verifyTls?: boolean | undefined;
}

export interface HttpCheckContext extends CheckContext {
  /**
   * A caller-owned dispatcher to send through instead of a fresh Agent (a gateway health check's keep-alive
   * Client): the run leaves it open, drains an unread body so the socket is reused, and reports no
   * certificate nor, on failure, whether it connected, since it did not make the connection itself.
   */
  readonly dispatcher?: Dispatcher | undefined;
}

const configFields = {
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  follow_redirects: z.boolean().default(true),
  max_body: z
    .union([z.int().min(0), z.string()])
    .meta({ description: 'A size in bytes, or with a unit: 512B, 64KiB, 1MiB, 10MB' })
    // config/units.ts's size(), which monitor/ may not import (it imports core/ only).
    .transform((value, ctx) => {
      const bytes = typeof value === 'number' ? value : parseSizeBytes(value);
      if (bytes === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a size like 64KiB or 1MiB' });
        return z.NEVER;
      }
      return bytes;
    })
    .prefault('64KiB'),
  /** false for an internal service with a self-signed certificate; its days left are still reported. */
  verify_tls: z.boolean().default(true),
};

const maxRedirections = 5;
// Enough for any readiness answer; past it undici destroys the socket instead of reading further.
const maxDrainBytes = 64 * 1024;

/**
 * One request over a fresh Agent that is destroyed after the run: a monitor exists to see connect and TLS
 * failures, which a pooled keep-alive connection would hide. The certificate is read in the Agent's connect
 * hook, from the very socket the request then uses, so no second handshake is made to learn it; a redirect
 * to the same origin reuses that socket and keeps its certificate. A caller that wants reuse across runs
 * instead (the gateway's health checks) hands over its own dispatcher in the context.
 */
export const httpCheck = {
  kind: 'http',
  configFields,
  specOf: (c: z.output<z.ZodObject<typeof configFields>>): HttpCheckSpec => ({
    kind: 'http',
    url: c.url,
    method: c.method,
    headers: c.headers,
    body: c.body,
    followRedirects: c.follow_redirects,
    maxBodyBytes: c.max_body,
    verifyTls: c.verify_tls,
  }),
  defaultFailure(observation) {
    if (observation.status === undefined) return 'no HTTP answer';
    return observation.status < 400 ? undefined : `expected a status below 400, got ${observation.status}`;
  },
  async run(spec: HttpCheckSpec, context: HttpCheckContext) {
    const bounds = startRun(context);
    try {
      if (context.dispatcher) return await observe(spec, context, bounds, context.dispatcher, undefined);
      const connections = new Map<string, Connection>();
      const { timeoutMs } = context;
      const agent = new Agent({
        // One connection per origin makes the Agent build a Client, not a Pool with its 2,048-slot queue:
        // at 10,000 monitors that queue was three quarters of the garbage surviving into the old space.
        connections: 1,
        connect: recordingConnector(
          { verifyTls: spec.verifyTls ?? true, timeoutMs, signal: bounds.signal },
          connections,
        ),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      try {
        return await observe(spec, context, bounds, agent, connections);
      } finally {
        await agent.destroy();
      }
    } finally {
      bounds.end();
    }
  },
} satisfies Check<HttpCheckSpec, z.output<z.ZodObject<typeof configFields>>>;

/** One request through `dispatcher`; `connections` is what the check's own connector saw, when it owns one. */
async function observe(
  spec: HttpCheckSpec,
  context: CheckContext,
  bounds: RunBounds,
  dispatcher: Dispatcher,
  connections: ReadonlyMap<string, Connection> | undefined,
): Promise<Observation> {
  const requestedUrls: string[] = [];
  const progress = { bodyBytes: 0 };
  let answer: Pick<Observation, 'connected' | 'certDaysLeft' | 'status' | 'headers'> | undefined;
  try {
    const response = await bounds.race(
      request(spec.url, {
        dispatcher: spec.followRedirects
          ? dispatcher.compose(recordRedirects(requestedUrls), interceptors.redirect({ maxRedirections }))
          : dispatcher,
        method: spec.method,
        headers: withUserAgent(spec.headers),
        body: spec.body ?? null,
        signal: bounds.signal,
      }),
    );
    answer = {
      connected: true,
      certDaysLeft: connections?.get(finalOrigin(response.context, spec.url))?.certDaysLeft,
      status: response.statusCode,
      headers: flattenHeaders(response.headers),
    };
    if (!connections && !context.needs.body) {
      // Only a drained socket goes back to the caller's pool. dump() ignores a body cut short: the gateway's
      // health checks judge the status alone.
      await response.body.dump({ limit: maxDrainBytes, signal: bounds.signal });
      return { responseTimeMs: bounds.elapsedMs(), ...answer };
    }
    const body = await readBody(
      response.body,
      { maxBodyBytes: spec.maxBodyBytes, isKept: context.needs.body },
      progress,
    );
    return { responseTimeMs: bounds.elapsedMs(), ...answer, ...(body === undefined ? {} : { body }) };
  } catch (error) {
    // Without a response, the last origin connected to is where the run stopped.
    const last = connections && [...connections.values()].at(-1);
    const reason = describeRedirectLoop(error, requestedUrls) ?? bounds.describe(error);
    return {
      responseTimeMs: bounds.elapsedMs(),
      connected: connections ? (last?.isConnected ?? false) : undefined,
      certDaysLeft: last?.certDaysLeft,
      ...answer,
      error: answer && !bounds.isStopped(error) ? cutShort(reason, progress.bodyBytes, answer) : reason,
    };
  }
}

/** A body that broke off before its end (or the max_body cap) fails the run, whatever the assertions read. */
function cutShort(reason: string, bodyBytes: number, answer: Pick<Observation, 'headers'>): string {
  const declaredBytes = Number(answer.headers?.['content-length'] ?? Number.NaN);
  const of = Number.isInteger(declaredBytes) ? ` of ${declaredBytes}` : '';
  return `body cut short after ${bodyBytes}${of} bytes (${reason})`;
}

function finalOrigin(context: unknown, url: string): string {
  // The redirect interceptor lists every URL it requested, the final one last; without it, context is null.
  const history: unknown =
    typeof context === 'object' && context !== null ? Reflect.get(context, 'history') : undefined;
  const last: unknown = Array.isArray(history) ? history.at(-1) : undefined;
  return last instanceof URL ? last.origin : new URL(url).origin;
}

function withUserAgent(headers: Readonly<Record<string, string>>): Record<string, string> {
  const hasUserAgent = Object.keys(headers).some((name) => name.toLowerCase() === 'user-agent');
  return hasUserAgent ? { ...headers } : { ...headers, 'user-agent': 'bulwark-monitor' };
}

function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * Reads the body to its end, or to maxBodyBytes and then stops (leaving the loop early destroys the body and
 * its socket: the cap is no failure). The text, as UTF-8, when `isKept`. An error before either rejects, with
 * `progress` saying how far the body got.
 */
async function readBody(
  body: Readable,
  options: { readonly maxBodyBytes: number; readonly isKept: boolean },
  progress: { bodyBytes: number },
): Promise<string | undefined> {
  const decoder = new TextDecoder();
  let text = '';
  body.on('error', ignore); // errors reach the loop below; this only keeps a late one from going unhandled
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const piece = chunk.subarray(0, options.maxBodyBytes - progress.bodyBytes);
    progress.bodyBytes += piece.length;
    // `stream: true` holds back a multi-byte character cut at the limit instead of mangling it.
    if (options.isKept) text += decoder.decode(piece, { stream: true });
    if (progress.bodyBytes === options.maxBodyBytes) break;
  }
  if (!options.isKept) return undefined;
  return progress.bodyBytes === options.maxBodyBytes ? text : text + decoder.decode();
}

function ignore(): void {}
