import { z } from 'zod';
import { mailbox, smtpSettings } from '../alerting/notifiers/email.ts';
import type { ComponentDef } from '../status/model.ts';
import { recurrenceError } from '../status/schedule/recurrence.ts';
import { slugOf } from './monitors.ts';
import { whenParsed } from './partly-parsed.ts';
import { duration } from './units.ts';

/**
 * The `status_page:` section: the page's identity, its components (status derived from monitors and pools),
 * recurring maintenance windows, and where a static copy goes. Absent: no status page and no status listener.
 * Its names are checked against the rest of the file in status-page-references.ts; statusPageConfigOf then
 * flattens components into ComponentDefs with positions and stable ids.
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
  .superRefine(
    (w, ctx) => {
      if ((w.cron === undefined) === (w.weekly === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'set exactly one of cron or weekly' });
        return;
      }
      const error = recurrenceError(
        w.cron !== undefined ? { cron: w.cron } : { weekly: w.weekly ?? { days: [], at: '' } },
      );
      if (error !== undefined)
        ctx.addIssue({ code: 'custom', path: [w.cron !== undefined ? 'cron' : 'weekly'], message: error });
    },
    whenParsed('cron', 'weekly'),
  );

const subscribers = z
  .strictObject({
    email: z
      .strictObject({
        from: mailbox,
        smtp: smtpSettings,
        max_subscribers: z.int().min(1).max(1_000_000).default(10_000).meta({
          description:
            'Confirmed email subscribers at which the public form takes no new ones (every mail goes through one relay, one at a time)',
        }),
      })
      .optional()
      .meta({
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

const statusPageFields = z.strictObject({
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
  // The status listener's caps; the schema passes them to listen.status.
  max_connections: z.int().min(1).max(1_000_000).optional(),
  max_connections_per_ip: z.int().min(0).max(1_000_000).optional(),
});

export const statusPage = statusPageFields.optional();

/** The runtime shape of a validated status_page: components flattened into ComponentDefs with stable ids. */
export function statusPageConfigOf(page: z.output<typeof statusPageFields>) {
  return {
    title: page.title,
    url: page.url?.replace(/\/+$/, ''),
    timeZone: page.time_zone,
    components: componentDefsOf(page.components),
    exportDir: page.export_dir,
    autoPublish: page.auto_publish,
    recurringMaintenance: page.maintenance.map((w) => ({
      id: slugOf(w.name),
      name: w.name,
      componentIds: w.components,
      drain: w.drain,
      recurrence: w.cron !== undefined ? { cron: w.cron } : { weekly: w.weekly ?? { days: [], at: '00:00' } },
      durationMs: w.duration,
      body: w.body ?? null,
    })),
    subscriberEmail: page.subscribers.email && {
      from: page.subscribers.email.from,
      smtp: page.subscribers.email.smtp,
      maxSubscribers: page.subscribers.email.max_subscribers,
    },
  };
}

export type StatusPageConfig = ReturnType<typeof statusPageConfigOf>;

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

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
