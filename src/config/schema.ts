import { z } from 'zod';
import { dataDir, monitors, retention } from './monitors.ts';
import { duration, percent, rate, size } from './units.ts';

/**
 * The single source of truth for bulwark.yaml. Keys are snake_case as YAML users expect; the output is
 * camelCase with durations in ms, sizes in bytes and percentages as fractions (the one mapping point).
 * Objects are strict: an unknown key is an error, because a typo must never silently disable a policy.
 */

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT such as 127.0.0.1:8080')
  .transform((text, ctx) => {
    const at = text.lastIndexOf(':');
    const port = Number(text.slice(at + 1));
    // The pattern allows five digits; ports above 65535 would only fail later, at bind time.
    if (port > 65_535) ctx.addIssue({ code: 'custom', message: 'expected a port from 0 to 65535' });
    return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port };
  });

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
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).refine((text) => {
      const url = new URL(text);
      return (url.pathname === '/' || url.pathname === '') && !url.search && !url.username && !url.password;
    }, 'expected scheme://host:port only (no path, query or credentials)'),
    weight: z.int().min(1).max(1000).default(1),
    drain: z.boolean().default(false),
  })
  .meta({ description: 'One upstream address' });

const healthCheck = z
  .strictObject({
    path: z.string().startsWith('/').default('/healthz'),
    interval: duration().prefault('2s'),
    timeout: duration().prefault('1s'),
    unhealthy_threshold: z.int().min(1).default(2),
    healthy_threshold: z.int().min(1).default(2),
  })
  .transform((c) => ({
    path: c.path,
    intervalMs: c.interval,
    timeoutMs: c.timeout,
    unhealthyThreshold: c.unhealthy_threshold,
    healthyThreshold: c.healthy_threshold,
  }));

const outlierDetection = z
  .strictObject({
    consecutive_failures: z.int().min(1).default(5),
    base_ejection: duration().prefault('30s'),
    max_ejection: duration().prefault('300s'),
    max_ejected_percent: percent().prefault('50%'),
    interval: duration().prefault('10s'),
  })
  .transform((c) => ({
    consecutiveFailures: c.consecutive_failures,
    baseEjectionMs: c.base_ejection,
    maxEjectionMs: Math.max(c.max_ejection, c.base_ejection),
    maxEjectedFraction: c.max_ejected_percent,
    intervalMs: c.interval,
  }));

const adaptiveConcurrency = z
  .strictObject({
    initial_limit: z.int().min(1).default(20),
    min_limit: z.int().min(1).default(3),
    max_limit: z.int().min(1).default(1000),
    buffer: percent().prefault('25%'),
    sample_interval: duration().prefault('100ms'),
    min_rtt_interval: duration().prefault('30s'),
    min_rtt_samples: z.int().min(1).default(50),
  })
  .meta({
    description: 'Tuning for concurrency: adaptive (Envoy gradient controller); the defaults suit most pools',
  })
  .superRefine((a, ctx) => {
    if (a.min_limit > a.max_limit)
      ctx.addIssue({ code: 'custom', path: ['min_limit'], message: 'expected min_limit ≤ max_limit' });
  })
  .transform((a) => ({
    kind: 'adaptive' as const,
    initialLimit: Math.min(Math.max(a.initial_limit, a.min_limit), a.max_limit),
    minLimit: a.min_limit,
    maxLimit: a.max_limit,
    buffer: a.buffer,
    sampleIntervalMs: Math.max(1, a.sample_interval),
    minRttIntervalMs: Math.max(1, a.min_rtt_interval),
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

const pool = z
  .strictObject({
    balancer: balancerKind.default('least-request'),
    hash_key: hashKey.optional(),
    endpoints: z.array(endpoint).min(1, 'a pool needs at least one endpoint'),
    health_check: healthCheck.optional(),
    outlier_detection: outlierDetection.prefault({}),
    panic_threshold: percent().prefault('50%'),
    failover: z.string().optional(),
    max_connections_per_endpoint: z.int().min(1).default(128),
    keep_alive_timeout: duration().prefault('4s'),
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
  })
  .superRefine((p, ctx) => {
    if (p.adaptive_concurrency && p.concurrency !== 'adaptive')
      ctx.addIssue({
        code: 'custom',
        path: ['adaptive_concurrency'],
        message: 'adaptive_concurrency tunes concurrency: adaptive, which this pool does not set',
      });
    if (p.balancer === 'consistent-hash' && !p.hash_key)
      ctx.addIssue({
        code: 'custom',
        path: ['hash_key'],
        message: 'consistent-hash needs hash_key (header:NAME, cookie:NAME or ip)',
      });
  })
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
  }));

const retryCondition = z.union([
  z.enum(['connect-failure', 'refused', 'reset-before-response']),
  z.int().min(400).max(599),
]);

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
        ttl: duration().prefault('10s'),
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
    total: duration().prefault('120s'),
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

const route = z
  .strictObject({
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
        headers:
          m.headers && Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k.toLowerCase(), v])),
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
  })
  .transform((r) => ({
    match: r.match,
    pool: r.pool,
    timeouts: r.timeouts,
    retry: r.retry,
    maxReplayBodyBytes: r.max_replay_body,
    maxBodyBytes: r.max_body,
    priority: r.priority,
    priorityHeader: r.priority_header,
    rateLimits: r.rate_limits,
  }));

const gatewayTls = z
  .strictObject({ address: hostPort, cert: z.string().min(1), key: z.string().min(1) })
  .meta({ description: 'TLS termination (HTTP/1.1 and HTTP/2 by ALPN): PEM file paths' });

const listen = z
  .strictObject({
    gateway: hostPort.prefault('127.0.0.1:8080'),
    gateway_tls: gatewayTls.optional(),
    admin: hostPort.prefault('127.0.0.1:8082'),
  })
  .prefault({})
  .transform((l) => ({ gateway: l.gateway, gatewayTls: l.gateway_tls, admin: l.admin }));

const gateway = z
  .strictObject({
    drain_timeout: duration().prefault('30s'),
    workers: z.union([z.int().min(1).max(64), z.literal('auto')]).default(1),
  })
  .prefault({})
  .transform((g) => ({ drainTimeoutMs: g.drain_timeout, workers: g.workers }));

const limits = z
  .strictObject({
    max_header_bytes: size().prefault('16KiB'),
    max_headers: z.int().min(1).max(2000).default(100),
    header_timeout: duration().prefault('10s'),
    request_timeout: duration().prefault('60s'),
    max_connections_per_ip: z.int().min(0).default(512),
  })
  .prefault({})
  .transform((l) => ({
    maxHeaderBytes: l.max_header_bytes,
    maxHeaders: l.max_headers,
    headerTimeoutMs: l.header_timeout,
    requestTimeoutMs: l.request_timeout,
    maxConnectionsPerIp: l.max_connections_per_ip,
  }));

const admin = z
  .strictObject({
    // Bearer tokens for the admin write API; put them in the environment: tokens: ["${BULWARK_ADMIN_TOKEN}"].
    tokens: z.array(z.string().min(16, 'admin tokens need at least 16 characters')).default([]),
  })
  .prefault({});

const logging = z
  .strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .prefault({});

export const configSchema = z
  .strictObject({
    listen,
    logging,
    gateway,
    limits,
    admin,
    pools: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'pool names use letters, digits, - _ .'), pool),
    routes: z.array(route).min(1, 'at least one route is needed'),
    monitors,
    data_dir: dataDir,
    retention,
  })
  .superRefine((config, ctx) => {
    const poolNames = Object.keys(config.pools);
    if (poolNames.length === 0)
      ctx.addIssue({ code: 'custom', path: ['pools'], message: 'at least one pool is needed' });
    // Messages name the allowed pools but not the value: the loader appends what was found, hiding env secrets.
    const unknownPool = `expected the name of a pool (${poolNames.join(' | ')})`;
    config.routes.forEach((r, i) => {
      if (!Object.hasOwn(config.pools, r.pool))
        ctx.addIssue({ code: 'custom', path: ['routes', i, 'pool'], message: unknownPool });
    });
    for (const [name, p] of Object.entries(config.pools)) {
      if (p.failover === undefined) continue;
      if (!Object.hasOwn(config.pools, p.failover)) {
        ctx.addIssue({ code: 'custom', path: ['pools', name, 'failover'], message: unknownPool });
        continue;
      }
      // A failover chain must end; a cycle would bounce traffic between two dead pools forever.
      const seen = new Set([name]);
      for (
        let next: string | undefined = p.failover;
        next !== undefined;
        next = config.pools[next]?.failover
      ) {
        if (seen.has(next)) {
          ctx.addIssue({
            code: 'custom',
            path: ['pools', name, 'failover'],
            message: `failover chain loops back to "${next}"`,
          });
          break;
        }
        seen.add(next);
      }
    }
  })
  // The one snake_case key at the top level; the output is camelCase like everything else.
  .transform(({ data_dir, ...rest }) => ({ ...rest, dataDir: data_dir }));

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
