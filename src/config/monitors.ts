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

const identity = {
  name: z.string().min(1).max(200),
  /** Defaults to a slug of the name; stable across reloads, it keys history. */
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'ids use lower-case letters, digits and -')
    .max(100)
    .optional(),
};

/** Added to this monitor's alerts: `component` groups them, `pool` lets a pool alert mute them. */
const labels = z
  .record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names use letters, digits and _'), z.string())
  .default({});

/** How a pulled check's cycle runs and is judged. */
const cycle = {
  interval: duration({ isZeroAllowed: false }).prefault('60s'),
  timeout: duration({ isZeroAllowed: false }).prefault('10s'),
  assert: z.array(assertion).default([]),
  degraded_when: z.array(assertion).default([]),
  failure_threshold: z.int().min(1).max(100).default(3),
  success_threshold: z.int().min(1).max(100).default(2),
  recheck: z
    .strictObject({ attempts: z.int().min(0).max(5).default(0), delay: duration().prefault('2s') })
    .prefault({}),
};

// Each pull kind's own keys come from its check (src/monitor/checks): a new kind is its file and a registry line.
const pulled = checks.map((check) =>
  z
    .strictObject({ ...identity, ...cycle, labels, type: z.literal(check.kind), ...check.configFields })
    .superRefine(
      (m, ctx) => {
        if (m.timeout >= m.interval)
          ctx.addIssue({
            code: 'custom',
            path: ['timeout'],
            message: 'expected a timeout shorter than the interval',
            params: {
              whenDefault:
                'the default timeout (10s) is not shorter than the interval; set a shorter timeout',
            },
          });
      },
      whenParsed('interval', 'timeout'),
    ),
);

/**
 * A cycle key on a heartbeat, refused with the reason: accepted and ignored, a `failure_threshold: 3` meant
 * to ride out one missed run would silently do nothing.
 */
function notForHeartbeats(key: keyof typeof cycle, reason: string) {
  const message = `heartbeat monitors do not use ${key}: ${reason}`;
  return z.never({ error: message }).optional().meta({ description: message });
}

const heartbeat = z.strictObject({
  ...identity,
  labels,
  type: z.literal('heartbeat'),
  // Only compared with the time since the last beat, never a timer: a monthly job may say 31d.
  expect_every: duration({ isZeroAllowed: false, maxMs: Infinity }),
  grace: duration({ maxMs: Infinity }).prefault('0s'),
  interval: notForHeartbeats(
    'interval',
    'lateness is checked every quarter of expect_every (1 s to 1 min); set expect_every',
  ),
  timeout: notForHeartbeats('timeout', 'nothing is run, the job calls in; set expect_every and grace'),
  assert: notForHeartbeats('assert', 'a call is up, a call with ?status=down is down'),
  degraded_when: notForHeartbeats('degraded_when', 'a heartbeat is up or down, never degraded'),
  failure_threshold: notForHeartbeats(
    'failure_threshold',
    'one late check takes them down; raise grace to wait longer',
  ),
  success_threshold: notForHeartbeats('success_threshold', 'one call brings them back up'),
  recheck: notForHeartbeats('recheck', 'nothing is run to check again; raise grace to wait longer'),
});

// What the rest of Bulwark reads of a heartbeat's cycle: one late check or one call decides; the uptime hold
// and alerting's start grace read the interval, 60 s as every heartbeat without an `interval` always had.
const heartbeatCycle = {
  intervalMs: 60_000,
  timeoutMs: 10_000,
  assertions: [],
  degradedWhen: [],
  failureThreshold: 1,
  successThreshold: 1,
  recheck: { attempts: 0, delayMs: 0 },
} as const satisfies Partial<MonitorSpec>;

// Pull kinds first, as users meet them in errors ("expected one of http | tcp | …"); the cast only restores the
// non-empty tuple type that `checks.map` forgets (the registry is never empty).
const kinds = [...pulled, heartbeat] as unknown as [typeof heartbeat, ...typeof pulled];

const monitor = z.discriminatedUnion('type', kinds).transform((m): MonitorSpec => {
  const base = { id: m.id ?? slugOf(m.name), name: m.name, labels: m.labels };
  if (m.type === 'heartbeat')
    return {
      ...base,
      ...heartbeatCycle,
      check: { kind: 'heartbeat', expectEveryMs: m.expect_every, graceMs: m.grace },
    };
  return {
    ...base,
    intervalMs: m.interval,
    timeoutMs: m.timeout,
    assertions: m.assert,
    degradedWhen: m.degraded_when,
    failureThreshold: m.failure_threshold,
    successThreshold: m.success_threshold,
    recheck: { attempts: m.recheck.attempts, delayMs: m.recheck.delay },
    check: checkSpecOf(m),
  };
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
