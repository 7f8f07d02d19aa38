import { z } from 'zod';
import { parseAssertion, type Assertion } from '../core/assertion.ts';
import { checks, checkSpecOf } from '../monitor/checks/registry.ts';
import type { MonitorSpec } from '../monitor/spec.ts';
import { always, isMapping, PartlyParsed, whenParsed } from './partly-parsed.ts';
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
  interval: duration({ isZeroAllowed: false }).prefault('60s'),
  timeout: duration({ isZeroAllowed: false }).prefault('10s'),
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

// Each pull kind's own keys come from its check (src/monitor/checks): a new kind is its file and a registry line.
const pulled = checks.map((check) =>
  z.strictObject({ ...common, type: z.literal(check.kind), ...check.configFields }).superRefine(
    (m, ctx) => {
      if (m.timeout >= m.interval)
        ctx.addIssue({
          code: 'custom',
          path: ['timeout'],
          message: 'expected a timeout shorter than the interval (timeout defaults to 10s)',
        });
    },
    whenParsed('interval', 'timeout'),
  ),
);

const heartbeat = z.strictObject({
  ...common,
  type: z.literal('heartbeat'),
  // Only compared with the time since the last beat, never a timer: a monthly job may say 31d.
  expect_every: duration({ isZeroAllowed: false, maxMs: Infinity }),
  grace: duration({ maxMs: Infinity }).prefault('0s'),
});

// Pull kinds first, as users meet them in errors ("expected one of http | tcp | …"); the cast only restores the
// non-empty tuple type that `checks.map` forgets (the registry is never empty).
const kinds = [...pulled, heartbeat] as unknown as [typeof heartbeat, ...typeof pulled];

const monitor = z.discriminatedUnion('type', kinds).transform((m): MonitorSpec => {
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
  if (m.type === 'heartbeat')
    return { ...base, check: { kind: 'heartbeat', expectEveryMs: m.expect_every, graceMs: m.grace } };
  return { ...base, check: checkSpecOf(m) };
});

export const monitors = z
  .array(monitor)
  .default([])
  .superRefine((list, ctx) => {
    // Entries that failed are read too: an id used twice is reported beside whatever else is wrong.
    const read = new PartlyParsed(list, ctx.issues);
    const seen = new Map<string, number>();
    for (const i of read.indexes([])) {
      const id = monitorIdAt(read, [i]);
      if (typeof id !== 'string') continue;
      const first = seen.get(id);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'id'],
          message: `monitor id "${id}" is already used by monitors[${first}]; give one an explicit id`,
        });
      else seen.set(id, i);
    }
  }, always);

/**
 * A monitor's id, written or slugged from its name, from an entry that may have failed: undefined when it
 * cannot be told (its id or name failed), null when the entry is no mapping and so has none.
 */
export function monitorIdAt(read: PartlyParsed, at: readonly (string | number)[]): string | null | undefined {
  if (!isMapping(read.raw(at))) return null;
  if (read.raw([...at, 'id']) !== undefined) return read.string([...at, 'id']);
  const name = read.string([...at, 'name']);
  return name === undefined ? undefined : slugOf(name);
}

/** Where the embedded SQLite database lives. */
export const dataDir = z.string().min(1).default('./data');

/** How long history is kept: raw results, then per-minute/hour/day rollups. */
export const retention = z
  .strictObject({
    raw: duration({ isZeroAllowed: false, maxMs: Infinity }).prefault('7d'),
    rollups: duration({ isZeroAllowed: false, maxMs: Infinity }).prefault('400d'),
  })
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
