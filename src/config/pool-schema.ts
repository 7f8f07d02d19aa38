import { z } from 'zod';
import { healthCheck } from './health-check-schema.ts';
import { isValid, whenParsed } from './partly-parsed.ts';
import { duration, percent, size } from './units.ts';
import { upstreamTls } from './upstream-tls-schema.ts';

/** `pools.NAME`: endpoints, balancing, health, failover and overload protection (a part of schema.ts). */

const balancerKind = z.enum([
  'round-robin',
  'weighted-round-robin',
  'least-request',
  'peak-ewma',
  'consistent-hash',
]);

const hashKey = z
  .string()
  .regex(/^(header:[A-Za-z0-9-]+|cookie:[^\s;=]+|ip)$/, 'expected header:NAME, cookie:NAME or ip')
  .transform((text) => {
    if (text === 'ip') return { from: 'ip' as const };
    // Split at the first colon only: a cookie name may itself contain one.
    const at = text.indexOf(':');
    const from = text.slice(0, at) as 'header' | 'cookie';
    const name = text.slice(at + 1);
    return { from, name: from === 'header' ? name.toLowerCase() : name };
  });

const endpoint = z
  .strictObject({
    // Only scheme, host and port are used: a path, query or credentials would be silently dropped.
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).refine(
      (text) => {
        const url = new URL(text);
        return (url.pathname === '/' || url.pathname === '') && !url.search && !url.username && !url.password;
      },
      // zod would run this on a value z.url refused too: `new URL('127.0.0.1:9001')` threw.
      { error: 'expected scheme://host:port only (no path, query or credentials)', when: isValid },
    ),
    weight: z.int().min(1).max(1000).default(1),
    drain: z.boolean().default(false),
  })
  .meta({ description: 'One upstream address' });

const outlierDetection = z
  .strictObject({
    consecutive_failures: z.int().min(1).default(5),
    base_ejection: duration({ isZeroAllowed: false }).prefault('30s'),
    max_ejection: duration().prefault('300s'),
    max_ejected_percent: percent().prefault('50%'),
    interval: duration({ isZeroAllowed: false }).prefault('10s'),
    uneject_on_health_check: z.boolean().default(true),
  })
  .transform((c) => ({
    consecutiveFailures: c.consecutive_failures,
    baseEjectionMs: c.base_ejection,
    maxEjectionMs: Math.max(c.max_ejection, c.base_ejection),
    maxEjectedFraction: c.max_ejected_percent,
    intervalMs: c.interval,
    unejectOnHealthCheck: c.uneject_on_health_check,
  }));

const adaptiveConcurrency = z
  .strictObject({
    initial_limit: z.int().min(1).default(20),
    min_limit: z.int().min(1).default(3),
    max_limit: z.int().min(1).default(1000),
    buffer: percent().prefault('25%'),
    sample_interval: duration({ isZeroAllowed: false }).prefault('100ms'),
    // 0 would measure min RTT again after every measurement, pinning the limit to min_limit.
    min_rtt_interval: duration({ isZeroAllowed: false }).prefault('30s'),
    min_rtt_samples: z.int().min(1).default(50),
  })
  .meta({
    description: 'Tuning for concurrency: adaptive (Envoy gradient controller); the defaults suit most pools',
  })
  .superRefine(
    (a, ctx) => {
      if (a.min_limit > a.max_limit)
        ctx.addIssue({ code: 'custom', path: ['min_limit'], message: 'expected min_limit ≤ max_limit' });
    },
    whenParsed('min_limit', 'max_limit'),
  )
  .transform((a) => ({
    kind: 'adaptive' as const,
    initialLimit: Math.min(Math.max(a.initial_limit, a.min_limit), a.max_limit),
    minLimit: a.min_limit,
    maxLimit: a.max_limit,
    buffer: a.buffer,
    sampleIntervalMs: a.sample_interval,
    minRttIntervalMs: a.min_rtt_interval,
    minRttSamples: a.min_rtt_samples,
  }));

const queue = z
  .strictObject({
    max: z.int().min(0).default(32),
    timeout: duration().prefault('1s'),
  })
  .meta({ description: 'Requests over the pool limit wait here (priority, then arrival order)' })
  .transform((q) => ({ maxLength: q.max, timeoutMs: q.timeout }));

const upstreamThrottle = z
  .strictObject({
    k: z.number().min(1).default(2),
    window: duration().prefault('2m'),
  })
  .meta({ description: 'SRE client-side throttling of a pool whose upstreams keep rejecting (429/503)' })
  .transform((t) => ({ k: t.k, windowMs: Math.max(1_000, t.window) }));

export const pool = z
  .strictObject({
    balancer: balancerKind.default('least-request'),
    hash_key: hashKey.optional(),
    endpoints: z.array(endpoint).min(1, 'a pool needs at least one endpoint'),
    health_check: healthCheck.optional(),
    outlier_detection: outlierDetection.prefault({}),
    panic_threshold: percent().prefault('50%'),
    failover: z.string().optional(),
    max_connections_per_endpoint: z.int().min(1).default(128),
    // undici refuses 0, which failed every request to the pool with 502.
    keep_alive_timeout: duration({ isZeroAllowed: false }).prefault('4s'),
    max_response_header_bytes: size({ isZeroAllowed: false, maxBytes: 1024 * 1024 })
      .optional()
      .meta({ description: "An upstream answer's header fields together; 16KiB when unset" }),
    slow_start: duration().optional(),
    concurrency: z
      .union([z.int().min(1), z.literal('adaptive')])
      .optional()
      .meta({
        description: 'Max requests in flight across the pool, or adaptive (follows measured latency)',
      }),
    adaptive_concurrency: adaptiveConcurrency.optional(),
    queue: queue.prefault({}),
    endpoint_max_in_flight: z.int().min(1).optional(),
    upstream_throttle: upstreamThrottle.optional(),
    max_cool_down: duration().prefault('60s'),
    overload_statuses: z
      .array(z.union([z.literal(429), z.literal(503)]))
      .default([429, 503])
      .meta({
        description:
          'Answers that mean the whole upstream is overloaded: they feed upstream_throttle and their Retry-After cools the endpoint',
      }),
    tls: upstreamTls.optional(),
  })
  .superRefine(
    (p, ctx) => {
      // Refused rather than ignored: an operator who set a CA or a client certificate believes traffic is TLS.
      if (p.tls && !p.endpoints.some((e) => new URL(e.url).protocol === 'https:'))
        ctx.addIssue({
          code: 'custom',
          path: ['tls'],
          message: 'tls applies to https:// endpoints, and every endpoint of this pool is http://',
        });
    },
    whenParsed('tls', 'endpoints'),
  )
  .superRefine(
    (p, ctx) => {
      if (p.adaptive_concurrency && p.concurrency !== 'adaptive')
        ctx.addIssue({
          code: 'custom',
          path: ['adaptive_concurrency'],
          message: 'adaptive_concurrency tunes concurrency: adaptive, which this pool does not set',
        });
    },
    whenParsed('adaptive_concurrency', 'concurrency'),
  )
  .superRefine(
    (p, ctx) => {
      if (p.balancer === 'consistent-hash' && !p.hash_key)
        ctx.addIssue({
          code: 'custom',
          path: ['hash_key'],
          message: 'consistent-hash needs hash_key (header:NAME, cookie:NAME or ip)',
        });
    },
    whenParsed('balancer', 'hash_key'),
  )
  .transform((p) => ({
    balancer: p.balancer,
    hashKey: p.hash_key,
    endpoints: p.endpoints,
    healthCheck: p.health_check,
    outlierDetection: p.outlier_detection,
    panicThreshold: p.panic_threshold,
    failover: p.failover,
    maxConnectionsPerEndpoint: p.max_connections_per_endpoint,
    keepAliveTimeoutMs: p.keep_alive_timeout,
    maxResponseHeaderBytes: p.max_response_header_bytes,
    slowStartMs: p.slow_start ?? 0,
    concurrency:
      p.concurrency === undefined
        ? undefined
        : p.concurrency === 'adaptive'
          ? (p.adaptive_concurrency ?? adaptiveConcurrency.parse({}))
          : { kind: 'fixed' as const, maxInFlight: p.concurrency },
    queue: p.queue,
    endpointMaxInFlight: p.endpoint_max_in_flight,
    upstreamThrottle: p.upstream_throttle,
    maxCoolDownMs: p.max_cool_down,
    overloadStatuses: p.overload_statuses,
    tls: p.tls,
  }));
