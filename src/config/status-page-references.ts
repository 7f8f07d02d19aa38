import type { z } from 'zod';
import { isMapping, type PartlyParsed } from './partly-parsed.ts';
import {
  monitorReferent,
  poolReferent,
  type Path,
  type ReferenceCheck,
  type Referent,
} from './reference-check.ts';
import { slugOf } from './monitors.ts';

/** Names in status_page must point at things that exist: monitors, pools, components and endpoints. */

export interface KnownNames {
  /** undefined where the names cannot be told (the section failed), so that no name is called unknown. */
  readonly pools: ReadonlySet<string> | undefined;
  readonly monitors: ReadonlySet<string> | undefined;
  readonly check: ReferenceCheck;
  readonly ctx: z.RefinementCtx<unknown>;
}

const componentReferent: Referent = { noun: 'a component id', section: 'status_page.components' };

const endpointReferent: Referent = {
  noun: 'POOL/ENDPOINT naming a configured endpoint',
  section: 'pools',
};

export function checkStatusPageReferences(read: PartlyParsed, known: KnownNames): void {
  if (!isMapping(read.raw(['status_page']))) return;
  const components = checkComponents(read, known);
  const endpoints = endpointsOf(read, known.pools);
  for (const i of read.indexes(['status_page', 'maintenance'])) {
    const at = ['status_page', 'maintenance', i];
    for (const j of read.indexes([...at, 'components']))
      known.check([...at, 'components', j], components, componentReferent);
    for (const j of read.indexes([...at, 'drain']))
      known.check([...at, 'drain', j], endpoints, endpointReferent);
  }
}

/** Checks each component's sources and that no id is used twice; returns the ids, if every one can be told. */
function checkComponents(read: PartlyParsed, known: KnownNames): Set<string> | undefined {
  const ids = new Set<string>();
  let isEveryIdKnown = true;
  const visit = (at: Path, nameKey: 'name' | 'group') => {
    const id = componentIdAt(read, at, nameKey);
    if (id === undefined) isEveryIdKnown = false;
    else if (ids.has(id))
      known.ctx.addIssue({
        code: 'custom',
        path: at,
        message: `component id "${id}" is used twice: set a distinct id (ids are slugs of names by default)`,
      });
    else ids.add(id);
    if (nameKey === 'name') checkSources(read, at, known);
  };
  for (const i of read.indexes(['status_page', 'components'])) {
    const at = ['status_page', 'components', i];
    const entry = read.raw(at);
    if (!isMapping(entry)) continue;
    if (!('group' in entry)) visit(at, 'name');
    else {
      visit(at, 'group');
      for (const j of read.indexes([...at, 'components'])) visit([...at, 'components', j], 'name');
    }
  }
  return isEveryIdKnown ? ids : undefined;
}

function componentIdAt(read: PartlyParsed, at: Path, nameKey: 'name' | 'group'): string | undefined {
  if (read.raw([...at, 'id']) !== undefined) return read.string([...at, 'id']);
  const name = read.string([...at, nameKey]);
  return name === undefined ? undefined : slugOf(name);
}

function checkSources(read: PartlyParsed, at: Path, known: KnownNames): void {
  for (const k of read.indexes([...at, 'from', 'monitors']))
    known.check([...at, 'from', 'monitors', k], known.monitors, monitorReferent);
  for (const k of read.indexes([...at, 'from', 'pools']))
    known.check([...at, 'from', 'pools', k], known.pools, poolReferent);
}

/** Every endpoint as `pool/host:port`, as the admin API names it; undefined when an endpoint's URL failed. */
function endpointsOf(read: PartlyParsed, pools: ReadonlySet<string> | undefined): Set<string> | undefined {
  if (!pools) return undefined;
  const endpoints = new Set<string>();
  for (const pool of pools) {
    if (!Array.isArray(read.raw(['pools', pool, 'endpoints']))) return undefined;
    for (const i of read.indexes(['pools', pool, 'endpoints'])) {
      const url = read.string(['pools', pool, 'endpoints', i, 'url']);
      const host = url === undefined ? undefined : URL.parse(url)?.host;
      if (host === undefined) return undefined;
      endpoints.add(`${pool}/${host}`);
    }
  }
  return endpoints;
}
