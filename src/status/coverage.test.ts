import { describe, expect, it } from 'vitest';
import { leavesNamed, leavesTouchedBy } from './coverage.ts';
import type { ComponentDef } from './model.ts';

const def = (over: Partial<ComponentDef> & { id: string }): ComponentDef => ({
  name: over.id,
  description: null,
  position: 1,
  groupId: null,
  isGroup: false,
  childIds: [],
  monitors: [],
  pools: [],
  ...over,
});

const defs = [
  def({ id: 'api', monitors: ['public-api'], pools: ['api'] }),
  def({ id: 'platform', isGroup: true, childIds: ['dashboard', 'search'] }),
  def({ id: 'dashboard', groupId: 'platform', monitors: ['dashboard'] }),
  def({ id: 'search', groupId: 'platform', pools: ['search'] }),
];
const ids = (list: readonly ComponentDef[]) => list.map((d) => d.id);

describe('coverage', () => {
  it('a group names its children, never itself', () => {
    expect(ids(leavesNamed(defs, ['platform']))).toEqual(['dashboard', 'search']);
    expect(ids(leavesNamed(defs, ['api', 'search']))).toEqual(['api', 'search']);
  });

  it('an alert touches the components its component, monitor or pool label feeds', () => {
    expect(ids(leavesTouchedBy(defs, { monitor: 'dashboard' }))).toEqual(['dashboard']);
    expect(ids(leavesTouchedBy(defs, { pool: 'api', severity: 'critical' }))).toEqual(['api']);
    expect(ids(leavesTouchedBy(defs, { component: 'search' }))).toEqual(['search']);
    expect(ids(leavesTouchedBy(defs, { component: 'platform' }))).toEqual([]);
    expect(ids(leavesTouchedBy(defs, { monitor: 'other', pool: 'other' }))).toEqual([]);
  });
});
