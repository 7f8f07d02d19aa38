import type { z } from 'zod';
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
  /** Whether `pool/endpoint` names a gateway endpoint (maintenance drains). */
  readonly endpointExists: (target: string) => boolean;
  /** Awaited: the page is rebuilt before the verb answers, so a client reading it next sees the change. */
  readonly onChange: (event: StatusEvent) => Promise<void>;
}

/** zod's first issue as a 400-worthy ServiceError naming the field (`incident.components.api`). */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ServiceError(
    'SVC_INVALID',
    issue?.message ?? `invalid ${what}`,
    issue?.path.join('.') || undefined,
  );
}

/** Every id names a component of the page (groups excluded: their status is their children's). */
export function checkComponentIds(deps: StatusDeps, ids: readonly string[], field: string): void {
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
        `${field}.${i}`,
      );
  });
}
