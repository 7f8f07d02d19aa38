import type { z } from 'zod';
import type { PartlyParsed } from './partly-parsed.ts';

/** A name in the file that must point at something defined elsewhere in it (a pool, a monitor, a notifier). */

export type Path = (string | number)[];

/** Reports one name that is not among `known`; the loader appends what was found and the closest match. */
export type ReferenceCheck = (path: Path, known: ReadonlySet<string> | undefined, what: Referent) => void;

export interface Referent {
  /** `the name of a pool` */
  readonly noun: string;
  /** Where the names are defined, for the message when there are none: `pools`. */
  readonly section: string;
}

export const poolReferent: Referent = { noun: 'the name of a pool', section: 'pools' };

export const monitorReferent: Referent = { noun: 'the id of a monitor', section: 'monitors' };

/** A ReferenceCheck that reads the name at the path, when it parsed, and reports it when unknown. */
export function referenceCheck(read: PartlyParsed, ctx: z.RefinementCtx<unknown>): ReferenceCheck {
  return (path, known, what) => {
    const name = read.string(path);
    if (name === undefined || known === undefined || known.has(name)) return;
    // The message leaves the value out: the loader appends it, or the ${VAR} it came from (a secret).
    const names = [...known].join(' | ') || `none are defined under ${what.section}`;
    ctx.addIssue({
      code: 'custom',
      path,
      message: `expected ${what.noun} (${names})`,
      params: { candidates: [...known] },
    });
  };
}
