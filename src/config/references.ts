import type { z } from 'zod';
import { PartlyParsed } from './partly-parsed.ts';
import { poolReferent, referenceCheck, type ReferenceCheck } from './reference-check.ts';
import { monitorIdAt } from './monitors.ts';
import { checkStatusPageReferences } from './status-page-references.ts';

/**
 * Names that must point at something defined elsewhere in the file: a route's pool, a failover, a rule's pool,
 * and the status page's monitors, pools, components and endpoints. These run on whatever parsed, so a typo in
 * a reference is reported beside the file's other errors; a pool that exists but is broken is still a pool.
 */

export function checkReferences(config: unknown, ctx: z.RefinementCtx<unknown>): void {
  const read = new PartlyParsed(config, ctx.issues);
  const check = referenceCheck(read, ctx);
  const pools = read.keys(['pools']);
  if (pools?.length === 0 && read.isParsed(['pools']))
    ctx.addIssue({ code: 'custom', path: ['pools'], message: 'at least one pool is needed' });
  const poolNames = pools && new Set(pools);
  for (const i of read.indexes(['routes'])) check(['routes', i, 'pool'], poolNames, poolReferent);
  for (const i of read.indexes(['alerting', 'rules']))
    check(['alerting', 'rules', i, 'pool'], poolNames, poolReferent);
  if (poolNames) checkFailovers(read, poolNames, check, ctx);
  checkStatusPageReferences(read, { pools: poolNames, monitors: monitorIds(read), check, ctx });
}

function checkFailovers(
  read: PartlyParsed,
  pools: ReadonlySet<string>,
  check: ReferenceCheck,
  ctx: z.RefinementCtx<unknown>,
): void {
  const failoverOf = (name: string) => read.string(['pools', name, 'failover']);
  for (const name of pools) {
    const target = failoverOf(name);
    if (target === undefined) continue;
    if (!pools.has(target)) {
      check(['pools', name, 'failover'], pools, poolReferent);
      continue;
    }
    // A failover chain must end; a cycle would bounce traffic between two dead pools forever.
    const seen = new Set([name]);
    for (let next: string | undefined = target; next !== undefined; next = failoverOf(next)) {
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
}

/** Every monitor's id; undefined when one cannot be told (its id or name failed), as any name may be it. */
function monitorIds(read: PartlyParsed): Set<string> | undefined {
  if (!Array.isArray(read.raw(['monitors']))) return undefined;
  const ids = new Set<string>();
  for (const i of read.indexes(['monitors'])) {
    const id = monitorIdAt(read, ['monitors', i]);
    if (id === undefined) return undefined;
    if (id !== null) ids.add(id);
  }
  return ids;
}
