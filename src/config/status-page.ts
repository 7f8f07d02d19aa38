import { z } from 'zod';
import { mailbox, smtpSettings } from '../alerting/notifiers/email.ts';
import type { ComponentDef } from '../status/model.ts';
import { recurrenceError } from '../status/schedule/recurrence.ts';
import { slugOf } from './monitors.ts';
import { duration } from './units.ts';

/**
 * The `status_page:` section: the page's identity, its components (status derived from monitors and pools),
 * recurring maintenance windows, and where a static copy goes. Absent: no status page and no status listener.
 * The output flattens components into ComponentDefs with positions and stable ids.
 */

const componentId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'component ids use lower-case letters, digits and -');

const sources = z
  .strictObject({
    monitors: z.array(z.string().min(1)).default([]),
    pools: z.array(z.string().min(1)).default([]),
  })
  .meta({ description: 'Monitor ids and pool names the status is derived from' });

const component = z.strictObject({
  name: z.string().min(1).max(200),
  id: componentId.optional(),
  description: z.string().max(1000).optional(),
  from: sources.prefault({}),
});

const group = z.strictObject({
  group: z.string().min(1).max(200),
  id: componentId.optional(),
  description: z.string().max(1000).optional(),
  components: z.array(component).min(1, 'a group needs at least one component'),
});

const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

const recurringWindow = z
  .strictObject({
    name: z.string().min(1).max(200),
    components: z.array(z.string().min(1)).default([]),
    /** `pool/endpoint` (the endpoint is its host:port, as in the admin API). */
    drain: z
      .array(z.string().regex(/^[^/]+\/[^/]+$/, 'expected POOL/ENDPOINT such as api/127.0.0.1:9001'))
      .default([]),
    cron: z.string().min(1).optional().meta({ description: 'Five-field cron in the page time zone' }),
    weekly: z
      .strictObject({
        days: z.array(weekday).min(1),
        at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24 h)'),
      })
      .optional(),
    duration: duration({ isZeroAllowed: false }),
    body: z.string().max(10_000).optional(),
  })
  .superRefine((w, ctx) => {
    if ((w.cron === undefined) === (w.weekly === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'set exactly one of cron or weekly' });
      return;
    }
    const error = recurrenceError(
      w.cron !== undefined ? { cron: w.cron } : { weekly: w.weekly ?? { days: [], at: '' } },
    );
    if (error !== undefined)
      ctx.addIssue({ code: 'custom', path: [w.cron !== undefined ? 'cron' : 'weekly'], message: error });
  });

const subscribers = z
  .strictObject({
    email: z.strictObject({ from: mailbox, smtp: smtpSettings }).optional().meta({
      description: 'Offer email subscriptions on the page (double opt-in) and send them through this relay',
    }),
  })
  .meta({
    description: 'Who hears of incidents and maintenance; webhook subscribers are added by the admin API',
  });

const timeZone = z
  .string()
  .refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin or UTC')
  .meta({ description: 'IANA time zone: times are shown and recurrences computed in it' });

export const statusPage = z
  .strictObject({
    title: z.string().min(1).max(200),
    url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .meta({ description: 'The public URL of the page' }),
    time_zone: timeZone.default('UTC'),
    components: z.array(z.union([group, component])).default([]),
    export_dir: z.string().min(1).optional(),
    auto_publish: z.boolean().default(false),
    maintenance: z.array(recurringWindow).default([]),
    subscribers: subscribers.prefault({}),
  })
  .optional()
  .transform((page) => {
    if (!page) return undefined;
    return {
      title: page.title,
      url: page.url?.replace(/\/+$/, ''),
      timeZone: page.time_zone,
      components: componentDefsOf(page.components),
      // For the cross-checks in schema.ts, which see only this output: each component's place in the file.
      componentPaths: componentPathsOf(page.components),
      exportDir: page.export_dir,
      autoPublish: page.auto_publish,
      recurringMaintenance: page.maintenance.map((w) => ({
        id: slugOf(w.name),
        name: w.name,
        componentIds: w.components,
        drain: w.drain,
        recurrence:
          w.cron !== undefined ? { cron: w.cron } : { weekly: w.weekly ?? { days: [], at: '00:00' } },
        durationMs: w.duration,
        body: w.body ?? null,
      })),
      subscriberEmail: page.subscribers.email,
    };
  });

export type StatusPageConfig = NonNullable<z.output<typeof statusPage>>;

type ComponentInput = z.output<typeof component>;
type GroupInput = z.output<typeof group>;

function componentDefsOf(entries: readonly (ComponentInput | GroupInput)[]): ComponentDef[] {
  const defs: ComponentDef[] = [];
  const add = (def: Omit<ComponentDef, 'position'>) => defs.push({ ...def, position: defs.length + 1 });
  for (const entry of entries) {
    if ('group' in entry) {
      const groupId = entry.id ?? slugOf(entry.group);
      const children = entry.components.map((c) => ({ ...c, id: c.id ?? slugOf(c.name) }));
      add({
        id: groupId,
        name: entry.group,
        description: entry.description ?? null,
        groupId: null,
        isGroup: true,
        childIds: children.map((c) => c.id),
        monitors: [],
        pools: [],
      });
      for (const child of children) add(leafOf(child, groupId));
    } else add(leafOf({ ...entry, id: entry.id ?? slugOf(entry.name) }, null));
  }
  return defs;
}

function leafOf(c: ComponentInput & { id: string }, groupId: string | null): Omit<ComponentDef, 'position'> {
  return {
    id: c.id,
    name: c.name,
    description: c.description ?? null,
    groupId,
    isGroup: false,
    childIds: [],
    monitors: c.from.monitors,
    pools: c.from.pools,
  };
}

function componentPathsOf(
  entries: readonly (ComponentInput | GroupInput)[],
): Map<string, (string | number)[]> {
  const paths = new Map<string, (string | number)[]>();
  entries.forEach((entry, i) => {
    if ('group' in entry) {
      paths.set(entry.id ?? slugOf(entry.group), ['status_page', 'components', i]);
      entry.components.forEach((c, j) =>
        paths.set(c.id ?? slugOf(c.name), ['status_page', 'components', i, 'components', j]),
      );
    } else paths.set(entry.id ?? slugOf(entry.name), ['status_page', 'components', i]);
  });
  return paths;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** What checkStatusPage needs of the whole config (its output shape, before the final transform). */
interface CrossCheckInput {
  readonly pools: Readonly<Record<string, { readonly endpoints: readonly { readonly url: URL | string }[] }>>;
  readonly monitors: readonly { readonly id: string }[];
  readonly status_page: z.output<typeof statusPage>;
}

/** Names in status_page must point at things that exist: monitors, pools, components, endpoints. */
export function checkStatusPage(config: CrossCheckInput, ctx: z.RefinementCtx): void {
  const page = config.status_page;
  // zod still runs the top-level refinement when the section itself failed; then it is not transformed yet.
  if (!page || !(page.componentPaths instanceof Map)) return;
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  const monitorIds = new Set(config.monitors.map((m) => m.id));
  const poolNames = Object.keys(config.pools);
  const seen = new Set<string>();
  for (const def of page.components) {
    const at = page.componentPaths.get(def.id) ?? ['status_page', 'components'];
    if (seen.has(def.id))
      issue(
        at,
        `component id "${def.id}" is used twice: set a distinct id (ids are slugs of names by default)`,
      );
    seen.add(def.id);
    def.monitors.forEach((m, i) => {
      if (!monitorIds.has(m))
        issue(
          [...at, 'from', 'monitors', i],
          `expected the id of a monitor (${[...monitorIds].join(' | ')})`,
        );
    });
    def.pools.forEach((p, i) => {
      if (!Object.hasOwn(config.pools, p))
        issue([...at, 'from', 'pools', i], `expected the name of a pool (${poolNames.join(' | ')})`);
    });
  }
  page.recurringMaintenance.forEach((w, i) => {
    w.componentIds.forEach((id, j) => {
      if (!seen.has(id))
        issue(
          ['status_page', 'maintenance', i, 'components', j],
          `expected a component id (${[...seen].join(' | ')})`,
        );
    });
    w.drain.forEach((target, j) => {
      if (!endpointExists(config.pools, target))
        issue(
          ['status_page', 'maintenance', i, 'drain', j],
          'expected POOL/ENDPOINT naming a configured endpoint (its host:port)',
        );
    });
  });
}

function endpointExists(pools: CrossCheckInput['pools'], target: string): boolean {
  const [pool, endpoint] = target.split('/');
  return (pools[pool ?? '']?.endpoints ?? []).some((e) => new URL(String(e.url)).host === endpoint);
}
