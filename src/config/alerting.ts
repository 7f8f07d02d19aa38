import { z } from 'zod';
import { poolInhibitRule, type InhibitRule } from '../alerting/inhibit.ts';
import { equalityMatchers, parseMatcher, type LabelMatcher } from '../alerting/matchers.ts';
import { notifiers } from '../alerting/notifiers/registry.ts';
import { routeIdOf, type RouteNode } from '../alerting/route-tree.ts';
import { parsePoolCondition, type PoolCondition, type PoolRule } from '../alerting/sources/pool-rule.ts';
import { always, PartlyParsed } from './partly-parsed.ts';
import { referenceCheck, type Referent } from './reference-check.ts';
import { duration } from './units.ts';

/**
 * The `alerting:` section: rules, the routing tree, inhibitions and notifiers. The output holds the
 * alerting domain's own shapes (RouteNode, PoolRule, InhibitRule), so app wiring passes them straight on.
 */

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names use letters, digits and _');
const labels = z.record(labelName, z.string());

const matcher = z
  .string()
  .meta({ description: 'NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX' })
  .transform((text, ctx): LabelMatcher => {
    const parsed = parseMatcher(text);
    if ('error' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    return parsed;
  });

const condition = z
  .string()
  .meta({ description: 'healthy_share < 50% | error_ratio > 5% | p99_latency > 800ms' })
  .transform((text, ctx): { condition: PoolCondition; text: string } => {
    const parsed = parsePoolCondition(text);
    if ('error' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    return { condition: parsed, text: text.trim() };
  });

const timers = {
  group_by: z.array(z.union([labelName, z.literal('...')])).optional(),
  group_wait: duration().optional(),
  // Alertmanager refuses 0 for both: a group would flush (and repeat) in a loop.
  group_interval: duration({ isZeroAllowed: false }).optional(),
  // Compared with the last send, never a timer.
  repeat_interval: duration({ isZeroAllowed: false, maxMs: Infinity }).optional(),
};

interface RouteInput {
  match?: Record<string, string> | undefined;
  matchers?: LabelMatcher[] | undefined;
  notify?: string[] | undefined;
  continue?: boolean | undefined;
  group_by?: string[] | undefined;
  group_wait?: number | undefined;
  group_interval?: number | undefined;
  repeat_interval?: number | undefined;
  routes?: RouteInput[] | undefined;
}

const route: z.ZodType<RouteInput, unknown> = z.strictObject({
  match: labels.optional(),
  matchers: z.array(matcher).optional(),
  notify: z.array(z.string().min(1)).optional(),
  continue: z.boolean().optional(),
  ...timers,
  get routes() {
    return z.array(route).optional();
  },
});

const rule = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'rule names use letters, digits, - _ .'),
  pool: z.string().min(1),
  when: condition,
  for: duration().prefault('0s'),
  // A 0 window has no reading to difference against: the rule would never fire.
  window: duration({ isZeroAllowed: false }).prefault('5m'),
  severity: z.string().min(1).default('warning'),
  labels: labels.default({}),
});

const inhibit = z.strictObject({
  source: z.array(matcher).min(1),
  target: z.array(matcher).min(1),
  equal: z.array(labelName).default([]),
});

// Each registered notifier's own schema, plus the keys every notifier entry shares.
const notifierEntry = z.discriminatedUnion(
  'type',
  notifiers.map((n) => {
    if (!(n.config instanceof z.ZodObject))
      throw new Error(`notifier ${n.kind}: config must be a zod object`);
    return n.config.extend({ send_resolved: z.boolean().optional() });
  }) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

const notifierReferent: Referent = { noun: 'the name of a notifier', section: 'alerting.notifiers' };

export type NotifierEntry = {
  readonly type: string;
  readonly send_resolved?: boolean | undefined;
} & Readonly<Record<string, unknown>>;

export const alerting = z
  .strictObject({
    defaults: z
      .strictObject({
        group_by: timers.group_by.unwrap().default(['component']),
        group_wait: timers.group_wait.unwrap().prefault('10s'),
        group_interval: timers.group_interval.unwrap().prefault('1m'),
        repeat_interval: timers.repeat_interval.unwrap().prefault('4h'),
        /** Unset: each notifier's own default (Alertmanager: email and Slack false, the rest true). */
        send_resolved: z.boolean().optional(),
      })
      .prefault({}),
    /** A notification still undelivered after this long is dead-lettered instead of sent late. */
    max_delivery_age: duration({ isZeroAllowed: false, maxMs: Infinity }).prefault('1h'),
    cert_expiry: z
      .strictObject({
        warning: duration({ maxMs: Infinity }).prefault('14d'),
        critical: duration({ maxMs: Infinity }).prefault('7d'),
      })
      .prefault({}),
    rules: z.array(rule).default([]),
    routes: z.array(route).default([]),
    inhibit: z.array(inhibit).default([]),
    notifiers: z
      .record(
        z.string().regex(/^[A-Za-z0-9_.-]+$/, 'notifier names use letters, digits, - _ .'),
        notifierEntry,
      )
      .default({}),
    /** Link to Bulwark's admin in messages; defaults to the admin listener's address. */
    external_url: z.url().optional(),
  })
  // Runs on whatever parsed: an unknown notifier is reported beside an error in a notifier's own fields.
  .superRefine((a, ctx) => {
    const read = new PartlyParsed(a, ctx.issues);
    const names = read.keys(['notifiers']);
    const check = referenceCheck(read, ctx);
    const known = names && new Set(names);
    const visit = (path: (string | number)[]): void => {
      for (const i of read.indexes(path)) {
        for (const j of read.indexes([...path, i, 'notify']))
          check([...path, i, 'notify', j], known, notifierReferent);
        visit([...path, i, 'routes']);
      }
    };
    visit(['routes']);
    const seen = new Set<string>();
    for (const i of read.indexes(['rules'])) {
      const name = read.string(['rules', i, 'name']);
      if (name !== undefined && seen.has(name))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: 'rule names must be unique' });
      if (name !== undefined) seen.add(name);
    }
  }, always)
  .prefault({})
  .transform((a) => ({
    root: routeTree(a),
    rules: a.rules.map((r): PoolRule => ({
      name: r.name,
      pool: r.pool,
      condition: r.when.condition,
      forMs: r.for,
      windowMs: r.window,
      severity: r.severity,
      labels: r.labels,
      text: r.when.text,
    })),
    inhibitRules: [
      poolInhibitRule,
      ...a.inhibit.map((i): InhibitRule => ({
        sourceMatchers: i.source,
        targetMatchers: i.target,
        equal: i.equal,
      })),
    ],
    notifiers: a.notifiers as Readonly<Record<string, NotifierEntry>>,
    defaultSendResolved: a.defaults.send_resolved,
    maxDeliveryAgeMs: a.max_delivery_age,
    certExpiryDays: {
      warning: Math.round(a.cert_expiry.warning / 86_400_000),
      critical: Math.round(a.cert_expiry.critical / 86_400_000),
    },
    externalUrl: a.external_url,
  }));

export type AlertingConfig = z.output<typeof alerting>;

/** The configured routes under an implicit root that matches everything and notifies no one. */
function routeTree(a: {
  defaults: { group_by: string[]; group_wait: number; group_interval: number; repeat_interval: number };
  routes: RouteInput[];
}): RouteNode {
  const root: RouteNode = {
    id: 'root',
    matchers: [],
    receivers: [],
    groupBy: a.defaults.group_by,
    groupWaitMs: a.defaults.group_wait,
    groupIntervalMs: a.defaults.group_interval,
    repeatIntervalMs: a.defaults.repeat_interval,
    continue: false,
    children: [],
  };
  return { ...root, children: childrenOf(a.routes, root) };
}

function childrenOf(inputs: readonly RouteInput[], parent: RouteNode): RouteNode[] {
  const seen = new Map<string, number>();
  return inputs.map((input) => {
    const matchers = [...equalityMatchers(input.match ?? {}), ...(input.matchers ?? [])];
    const twin = routeIdOf(parent.id, matchers, 0);
    const twinsBefore = seen.get(twin) ?? 0;
    seen.set(twin, twinsBefore + 1);
    return node(input, routeIdOf(parent.id, matchers, twinsBefore), matchers, parent);
  });
}

// Children inherit every unset setting from their parent (Alertmanager's rule).
function node(
  input: RouteInput,
  id: string,
  matchers: readonly LabelMatcher[],
  parent: RouteNode,
): RouteNode {
  const self: RouteNode = {
    id,
    matchers,
    receivers: input.notify ?? parent.receivers,
    groupBy: input.group_by ?? parent.groupBy,
    groupWaitMs: input.group_wait ?? parent.groupWaitMs,
    groupIntervalMs: input.group_interval ?? parent.groupIntervalMs,
    repeatIntervalMs: input.repeat_interval ?? parent.repeatIntervalMs,
    continue: input.continue ?? false,
    children: [],
  };
  return { ...self, children: childrenOf(input.routes ?? [], self) };
}
