import { z } from 'zod';
import { whenParsed } from './partly-parsed.ts';
import { routeName } from './route-name.ts';
import { requestHeaders, requestHeadersSpec, upstreamHost } from './request-headers.ts';
import { duration, percent, rate, size } from './units.ts';

/** `routes[]`: matching, timeouts, retries, priority and rate limits (a part of schema.ts). */

const retryCondition = z
  .union([
    z.enum(['connect-failure', 'refused', 'reset-before-response', 'first-byte-timeout']),
    z.int().min(400).max(599),
  ])
  .meta({
    description:
      'One of connect-failure | refused | reset-before-response | first-byte-timeout, or a status code 400–599',
  });

const retry = z
  .strictObject({
    attempts: z.int().min(1).max(10).default(3),
    on: z.array(retryCondition).default(['connect-failure', 'refused', 'reset-before-response']),
    retry_non_idempotent: z.boolean().default(false),
    backoff: z
      .strictObject({ base: duration().prefault('25ms'), max: duration().prefault('250ms') })
      .prefault({}),
    budget: z
      .strictObject({
        ratio: percent().prefault('20%'),
        min_per_second: z.number().min(0).default(10),
        // The budget's buckets are ttl / 10 long: 0 divides by zero and it never forgets a request.
        ttl: duration({ isZeroAllowed: false }).prefault('10s'),
      })
      .prefault({}),
  })
  .transform((r) => ({
    attempts: r.attempts,
    on: r.on,
    retryNonIdempotent: r.retry_non_idempotent,
    backoffBaseMs: r.backoff.base,
    backoffMaxMs: Math.max(r.backoff.max, r.backoff.base),
    budget: { ratio: r.budget.ratio, minPerSecond: r.budget.min_per_second, ttlMs: r.budget.ttl },
  }));

const timeouts = z
  .strictObject({
    connect: duration().prefault('2s'),
    first_byte: duration().prefault('30s'),
    idle: duration().prefault('60s'),
    // connect, first_byte and idle take 0 as off; total is always on, so 0 would fail every request.
    total: duration({ isZeroAllowed: false }).prefault('120s'),
  })
  .transform((t) => ({ connectMs: t.connect, firstByteMs: t.first_byte, idleMs: t.idle, totalMs: t.total }));

const rateKeyPart = z
  .string()
  .regex(/^(ip|route|header:[A-Za-z0-9-]+)$/, 'expected ip, route or header:NAME')
  .transform((text): RateKeyPart => {
    if (text === 'ip' || text === 'route') return { from: text };
    return { from: 'header', name: text.slice('header:'.length).toLowerCase() };
  });

type RateKeyPart = { from: 'ip' | 'route' } | { from: 'header'; name: string };

const rateLimit = z
  .strictObject({
    key: z
      .union([rateKeyPart, z.array(rateKeyPart).min(1)])
      .meta({ description: 'ip, route, header:NAME, or a list of them for one bucket per combination' }),
    rate: rate(),
    burst: z.int().min(1).optional(),
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.:+-]+$/, 'policy names use letters, digits and _ . : + -')
      .optional(),
  })
  .meta({ description: 'A token bucket per distinct key: burst tokens, refilled at rate' })
  .transform((l) => {
    const key = Array.isArray(l.key) ? l.key : [l.key];
    return {
      name: l.name ?? keyText(key),
      key,
      ratePerSecond: (l.rate.count * 1_000) / l.rate.perMs,
      // A rate of 100/m allows 100 at once by default: the count is the natural bucket size.
      burst: l.burst ?? Math.max(1, Math.ceil(l.rate.count)),
    };
  });

function keyText(key: readonly RateKeyPart[]): string {
  return key.map((part) => (part.from === 'header' ? `header:${part.name}` : part.from)).join('+');
}

const priority = z.enum(['critical', 'default', 'sheddable']);

const httpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE']);

export const route = z
  .strictObject({
    name: routeName.optional(),
    match: z
      .strictObject({
        path_prefix: z.string().startsWith('/').default('/'),
        methods: z.array(httpMethod).min(1).optional(),
        headers: z.record(z.string(), z.string()).optional(),
      })
      .prefault({})
      .transform((m) => ({
        pathPrefix: m.path_prefix,
        methods: m.methods,
        // Host names are case-insensitive (RFC 9110 §7.2): lower-cased here, so matching and the shadowed-route
        // check (overlaps.ts) compare them alike; other values stay exact.
        headers:
          m.headers && Object.fromEntries(Object.entries(m.headers).map(([k, v]) => matchHeader(k, v))),
      })),
    pool: z.string(),
    timeouts: timeouts.prefault({}),
    retry: retry.prefault({}),
    max_replay_body: size().prefault('64KiB'),
    max_body: size().optional(),
    priority: priority.default('default'),
    priority_header: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'expected a header name')
      .transform((name) => name.toLowerCase())
      .optional(),
    rate_limits: z.array(rateLimit).default([]),
    upstream_host: upstreamHost.default('preserve'),
    request_headers: requestHeaders.optional(),
  })
  .superRefine((r, ctx) => {
    const names = r.rate_limits.map((l) => l.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['rate_limits', i, 'name'],
          message: `two rate limits of this route are both named "${name}"; give one a distinct name`,
        });
    });
  }, whenParsed('rate_limits'))
  .transform((r) => ({
    name: r.name,
    match: r.match,
    pool: r.pool,
    timeouts: r.timeouts,
    retry: r.retry,
    maxReplayBodyBytes: r.max_replay_body,
    maxBodyBytes: r.max_body,
    priority: r.priority,
    priorityHeader: r.priority_header,
    rateLimits: r.rate_limits,
    requestHeaders: requestHeadersSpec(r.upstream_host, r.request_headers),
  }));

function matchHeader(name: string, value: string): [string, string] {
  const lowerName = name.toLowerCase();
  return [lowerName, lowerName === 'host' ? value.toLowerCase() : value];
}
