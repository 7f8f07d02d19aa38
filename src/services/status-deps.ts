import { z } from 'zod';
import type { StatusEvent } from '../status/events.ts';
import type { LiveComponent } from '../status/live-components.ts';
import type { StatusBook } from '../status/status-book.ts';
import { ServiceError } from './service-error.ts';

export type { LiveComponent } from '../status/live-components.ts';

/** What the status verbs need: the documents, the wall clock, ids, the live components and a change hook. */
export interface StatusDeps {
  readonly book: StatusBook;
  readonly nowMs: () => number;
  /** Statuspage-style ids: 12 lower-case letters and digits. */
  readonly newId: () => string;
  /** A subscriber's link secret. */
  readonly newToken: () => string;
  /** Whether the page offers email subscriptions (status_page.subscribers.email is set). */
  readonly offersEmail: () => boolean;
  readonly components: () => readonly LiveComponent[];
  /** The components as they would be without this incident's statuses: what resolving it leaves. */
  readonly componentsWithout: (incidentId: string) => readonly LiveComponent[];
  /** Whether `pool/endpoint` names a gateway endpoint (maintenance drains). */
  readonly endpointExists: (target: string) => boolean;
  /** Awaited: the page is rebuilt before the verb answers, so a client reading it next sees the change. */
  readonly onChange: (event: StatusEvent) => Promise<void>;
}

/**
 * An incident's or maintenance's name: one line without control characters (Cc: C0, DEL, C1) or bidi
 * overrides and isolates. Names go into titles, mail subjects and terminal tables, where an ESC is a command,
 * a newline a forged line, and an override reorders what follows (Trojan Source, CVE-2021-42574). Checked
 * only when a name is given, so documents stored before keep working.
 */
export const nameField = z
  .string()
  .trim()
  .min(1, 'name must not be empty')
  .max(200)
  .refine((name) => !/\p{Cc}/u.test(name), 'name must be one line, without control characters')
  .refine(
    (name) => !/[\u202A-\u202E\u2066-\u2069]/u.test(name),
    'name must not contain bidirectional overrides or isolates (U+202A–U+202E, U+2066–U+2069)',
  );

/**
 * zod's first issue as a 400-worthy ServiceError naming the field (`incident.components.api`); an issue
 * about the input as a whole (an array where an object belongs) names `what`.
 */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fault = faultOf(parsed.error.issues, []);
  throw new ServiceError('SVC_INVALID', fault?.message ?? `invalid ${what}`, fault?.path.join('.') || what);
}

interface Fault {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * The first issue, its path from the root. A union reports "Invalid input" at its own path, and its branches'
 * issues relative to it: the branch that got deepest into the input is the one the client meant; when none
 * got past the union's value itself (a number where a time or a duration belongs), the union's own message,
 * which says what it accepts, is the one to give.
 */
function faultOf(issues: readonly z.core.$ZodIssue[], at: readonly PropertyKey[]): Fault | undefined {
  const issue = issues[0];
  if (!issue) return undefined;
  const path = [...at, ...issue.path];
  // An unknown key is reported at the object holding it; the key itself is the field at fault.
  if (issue.code === 'unrecognized_keys')
    return { path: [...path, ...issue.keys.slice(0, 1)], message: issue.message };
  if (issue.code !== 'invalid_union') return { path, message: issue.message };
  const deepest = issue.errors
    .map((branch) => faultOf(branch, path))
    .filter((f) => f !== undefined)
    .sort((a, b) => b.path.length - a.path.length)[0];
  return deepest && deepest.path.length > path.length ? deepest : { path, message: issue.message };
}

/**
 * An ISO 8601 time with its offset (`2026-11-22T02:00:00+01:00`, `…Z`): an instant, wherever the client is.
 * zod's own message ("Invalid ISO datetime") does not say that the offset is required.
 */
export const isoTimeField = z.iso.datetime({
  offset: true,
  error: 'expected an ISO 8601 time with an offset, like 2026-11-22T02:00:00+01:00 or 2026-11-22T01:00:00Z',
});

/**
 * Every id names a component of the page (groups excluded: their status is their children's). `field`
 * names the one at fault: `incident.component_ids.1` in a list, `incident.components.nope` in a map.
 */
export function checkComponentIds(
  deps: StatusDeps,
  ids: readonly string[],
  field: (id: string, index: number) => string,
): void {
  const known = new Map(deps.components().map((c) => [c.def.id, c.def]));
  ids.forEach((id, i) => {
    const def = known.get(id);
    if (!def || def.isGroup)
      throw new ServiceError(
        'SVC_INVALID',
        `no component "${id}"; expected one of ${[...known.values()]
          .filter((d) => !d.isGroup)
          .map((d) => d.id)
          .join(', ')}`,
        field(id, i),
      );
  });
}
