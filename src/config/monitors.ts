import { z } from 'zod';
import { parseAssertion, type Assertion } from '../core/assertion.ts';
import { duration } from './units.ts';

/**
 * The `monitors:` section. One entry per monitor, its `type` choosing the check; assertions are parsed here,
 * once, so a bad one is a config error with its line, and the scheduler only evaluates structures.
 */

const assertion = z
  .string()
  .meta({ description: 'FACT OPERATOR VALUE, e.g. `status == 200`, `response_time < 800ms`' })
  .transform((text, ctx): Assertion => {
    const parsed = parseAssertion(text);
    if ('error' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    return parsed.assertion;
  });

const common = {
  name: z.string().min(1).max(200),
  /** Defaults to a slug of the name; stable across reloads, it keys history. */
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'ids use lower-case letters, digits and -')
    .max(100)
    .optional(),
  interval: duration().prefault('60s'),
  timeout: duration().prefault('10s'),
  assert: z.array(assertion).default([]),
  degraded_when: z.array(assertion).default([]),
  failure_threshold: z.int().min(1).max(100).default(3),
  success_threshold: z.int().min(1).max(100).default(2),
  recheck: z
    .strictObject({ attempts: z.int().min(0).max(5).default(0), delay: duration().prefault('2s') })
    .prefault({}),
  /** Added to this monitor's alerts: `component` groups them, `pool` lets a pool alert mute them. */
  labels: z
    .record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names use letters, digits and _'), z.string())
    .default({}),
};

const http = z.strictObject({
  ...common,
  type: z.literal('http'),
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  follow_redirects: z.boolean().default(true),
  max_body: z.int().min(0).default(65_536),
  /** false for an internal service with a self-signed certificate; its days left are still reported. */
  verify_tls: z.boolean().default(true),
});

const tcp = z.strictObject({
  ...common,
  type: z.literal('tcp'),
  host: z.string().min(1),
  port: z.int().min(1).max(65_535),
});

const tls = z.strictObject({
  ...common,
  type: z.literal('tls'),
  host: z.string().min(1),
  port: z.int().min(1).max(65_535).default(443),
  servername: z.string().optional(),
  verify: z.boolean().default(true),
});

const dns = z.strictObject({
  ...common,
  type: z.literal('dns'),
  host: z.string().min(1),
  record: z.enum(['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS']).default('A'),
  resolver: z
    .string()
    .regex(/^[A-Za-z0-9.:[\]-]+:\d{1,5}$/, 'expected HOST:PORT such as 127.0.0.1:53')
    .optional(),
});

const heartbeat = z.strictObject({
  ...common,
  type: z.literal('heartbeat'),
  expect_every: duration(),
  grace: duration().prefault('0s'),
});

const monitor = z.discriminatedUnion('type', [http, tcp, tls, dns, heartbeat]).transform((m) => {
  const base = {
    id: m.id ?? slugOf(m.name),
    name: m.name,
    intervalMs: m.interval,
    timeoutMs: m.timeout,
    assertions: m.assert,
    degradedWhen: m.degraded_when,
    failureThreshold: m.failure_threshold,
    successThreshold: m.success_threshold,
    recheck: { attempts: m.recheck.attempts, delayMs: m.recheck.delay },
    labels: m.labels,
  };
  switch (m.type) {
    case 'http':
      return {
        ...base,
        check: {
          kind: 'http' as const,
          url: m.url,
          method: m.method,
          headers: m.headers,
          body: m.body,
          followRedirects: m.follow_redirects,
          maxBodyBytes: m.max_body,
          verifyTls: m.verify_tls,
        },
      };
    case 'tcp':
      return { ...base, check: { kind: 'tcp' as const, host: m.host, port: m.port } };
    case 'tls':
      return {
        ...base,
        check: {
          kind: 'tls' as const,
          host: m.host,
          port: m.port,
          servername: m.servername,
          verify: m.verify,
        },
      };
    case 'dns':
      return {
        ...base,
        check: {
          kind: 'dns' as const,
          host: m.host,
          record: m.record,
          resolver: m.resolver === undefined ? undefined : hostPortOf(m.resolver),
        },
      };
    case 'heartbeat':
      return {
        ...base,
        check: { kind: 'heartbeat' as const, expectEveryMs: m.expect_every, graceMs: m.grace },
      };
  }
});

export const monitors = z
  .array(monitor)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Map<string, number>();
    list.forEach((m, i) => {
      const first = seen.get(m.id);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'id'],
          message: `monitor id "${m.id}" is already used by monitors[${first}]; give one an explicit id`,
        });
      else seen.set(m.id, i);
      if (m.check.kind !== 'heartbeat' && m.timeoutMs >= m.intervalMs)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'timeout'],
          message: 'expected a timeout shorter than the interval',
        });
    });
  });

/** Where the embedded SQLite database lives. */
export const dataDir = z.string().min(1).default('./data');

/** How long history is kept: raw results, then per-minute/hour/day rollups. */
export const retention = z
  .strictObject({ raw: duration().prefault('7d'), rollups: duration().prefault('400d') })
  .prefault({})
  .transform((r) => ({ rawMs: r.raw, rollupsMs: r.rollups }));

/** "Public API" → "public-api": lower-case letters and digits, runs of anything else one dash. */
export function slugOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);
  return slug || 'monitor';
}

function hostPortOf(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(text.slice(at + 1)) };
}
