import type { Readable } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { Agent, buildConnector, interceptors, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { parseSizeBytes, type Observation } from '../../core/index.ts';
import type { Check, CheckContext } from './check.ts';
import { inspectPeer } from './inspect-peer.ts';
import { startRun } from './run-bounds.ts';

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

/** What connecting to one origin saw during a run. */
interface Connection {
  readonly isConnected: boolean;
  readonly certDaysLeft: number | undefined;
}

/**
 * One request over a fresh Agent that is destroyed after the run: a monitor exists to see connect and TLS
 * failures, which a pooled keep-alive connection would hide. The certificate is read in the Agent's connect
 * hook, from the very socket the request then uses, so no second handshake is made to learn it. A caller
 * that wants reuse instead (the gateway's health checks) hands over its own dispatcher in the context.
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
    if (context.dispatcher) return observe(spec, context, context.dispatcher, undefined);
    const connections = new Map<string, Connection>();
    const agent = new Agent({
      // One connection per origin makes the Agent build a Client, not a Pool with its 2,048-slot queue:
      // at 10,000 monitors that queue was three quarters of the garbage surviving into the old space.
      connections: 1,
      connect: recordingConnector(spec, context, connections),
      headersTimeout: context.timeoutMs,
      bodyTimeout: context.timeoutMs,
    });
    try {
      return await observe(spec, context, agent, connections);
    } finally {
      await agent.destroy();
    }
  },
} satisfies Check<HttpCheckSpec, z.output<z.ZodObject<typeof configFields>>>;

/** One request through `dispatcher`; `connections` is what the check's own connector saw, when it owns one. */
async function observe(
  spec: HttpCheckSpec,
  context: CheckContext,
  dispatcher: Dispatcher,
  connections: ReadonlyMap<string, Connection> | undefined,
): Promise<Observation> {
  const bounds = startRun(context);
  let final: Connection | undefined;
  try {
    const response = await request(spec.url, {
      dispatcher: spec.followRedirects
        ? dispatcher.compose(interceptors.redirect({ maxRedirections }))
        : dispatcher,
      method: spec.method,
      headers: withUserAgent(spec.headers),
      body: spec.body ?? null,
      signal: bounds.signal,
    });
    final = connections?.get(finalOrigin(response.context, spec.url));
    const facts = {
      connected: true,
      certDaysLeft: final?.certDaysLeft,
      status: response.statusCode,
      headers: flattenHeaders(response.headers),
    };
    if (!context.needs.body) {
      // Reading to the end is what returns a kept-alive socket; an Agent of our own is destroyed anyway.
      if (connections) discard(response.body);
      else await response.body.dump({ limit: maxDrainBytes, signal: bounds.signal });
      return { responseTimeMs: bounds.elapsedMs(), ...facts } satisfies Observation;
    }
    const body = await readText(response.body, spec.maxBodyBytes);
    return { responseTimeMs: bounds.elapsedMs(), ...facts, body };
  } catch (error) {
    // Without a response, the last origin connected to is where the run stopped.
    final ??= connections && [...connections.values()].at(-1);
    return {
      responseTimeMs: bounds.elapsedMs(),
      connected: connections ? (final?.isConnected ?? false) : undefined,
      certDaysLeft: final?.certDaysLeft,
      error: bounds.describe(error),
    };
  } finally {
    bounds.end();
  }
}

/** undici's own connector, wrapped to note each origin's outcome and to judge the peer certificate itself. */
function recordingConnector(
  spec: HttpCheckSpec,
  context: CheckContext,
  connections: Map<string, Connection>,
): buildConnector.connector {
  // Node would destroy an untrusted socket before we could read its expiry; inspectPeer applies `verifyTls`.
  const connect = buildConnector({ timeout: context.timeoutMs, rejectUnauthorized: false });
  return (options, callback) => {
    const origin = `${options.protocol}//${options.host ?? options.hostname}`;
    const note = (isConnected: boolean, certDaysLeft?: number) => {
      connections.delete(origin); // re-inserted last, so the Map's order is the order of connects
      connections.set(origin, { isConnected, certDaysLeft });
    };
    connect(options, (error, socket) => {
      if (error !== null) {
        note(false);
        callback(error, null);
      } else if (socket instanceof TLSSocket) {
        const peer = inspectPeer(socket, {
          hostname: options.servername ?? options.hostname,
          verify: spec.verifyTls ?? true,
          wantsDaysLeft: context.needs.cert,
        });
        note(!peer.rejection, peer.certDaysLeft);
        if (!peer.rejection) return callback(null, socket);
        socket.destroy();
        callback(peer.rejection, null);
      } else {
        note(true);
        callback(null, socket);
      }
    });
  };
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

/** Reads at most maxBodyBytes as UTF-8, then stops: leaving the loop early destroys the body and its socket. */
async function readText(body: Readable, maxBodyBytes: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  let bytesLeft = maxBodyBytes;
  body.on('error', ignore); // errors reach the loop below; this only keeps a late one from going unhandled
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const piece = chunk.subarray(0, bytesLeft);
    bytesLeft -= piece.length;
    // `stream: true` holds back a multi-byte character cut at the limit instead of mangling it.
    text += decoder.decode(piece, { stream: true });
    if (bytesLeft === 0) return text;
  }
  return text + decoder.decode();
}

function discard(body: Readable): void {
  body.on('error', ignore).destroy();
}

function ignore(): void {}
