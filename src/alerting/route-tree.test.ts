import { describe, expect, it } from 'vitest';
import { equalityMatchers } from './matchers.ts';
import { groupKeyOf, groupLabelsOf, matchRoutes, type RouteNode } from './route-tree.ts';

function node(id: string, match: Record<string, string>, extra: Partial<RouteNode> = {}): RouteNode {
  return {
    id,
    matchers: equalityMatchers(match),
    receivers: [id],
    groupBy: ['component'],
    groupWaitMs: 0,
    groupIntervalMs: 0,
    repeatIntervalMs: 0,
    continue: false,
    children: [],
    ...extra,
  };
}

const root = node(
  'root',
  {},
  {
    children: [
      node('0', { severity: 'critical' }, { continue: true, children: [node('0.0', { team: 'db' })] }),
      node('1', { severity: 'critical' }),
      node('2', {}),
    ],
  },
);

describe('matchRoutes', () => {
  it('stops at the first match unless it continues; a deeper match replaces its parent', () => {
    expect(matchRoutes(root, { severity: 'critical', team: 'db' }).map((r) => r.id)).toEqual(['0.0', '1']);
    expect(matchRoutes(root, { severity: 'critical' }).map((r) => r.id)).toEqual(['0', '1']);
    expect(matchRoutes(root, { severity: 'warning' }).map((r) => r.id)).toEqual(['2']);
  });

  it('falls back to the root when no child matches', () => {
    const lone = node('root', {}, { children: [node('0', { severity: 'critical' })] });
    expect(matchRoutes(lone, { severity: 'info' }).map((r) => r.id)).toEqual(['root']);
  });
});

describe('group keys', () => {
  it('take the group_by labels (missing ones empty) and are stable in label order', () => {
    const route = node('1', {}, { groupBy: ['component', 'pool'] });
    const labels = groupLabelsOf(route, { pool: 'api', component: 'API', monitor: 'x' });
    expect(labels).toEqual({ component: 'API', pool: 'api' });
    expect(groupKeyOf(route, labels)).toBe('1:{component="API",pool="api"}');
    expect(groupKeyOf(route, groupLabelsOf(route, {}))).toBe('1:{component="",pool=""}');
  });

  it("group by '...' keeps every label: no aggregation", () => {
    const route = node('1', {}, { groupBy: ['...'] });
    expect(groupLabelsOf(route, { a: '1', b: '2' })).toEqual({ a: '1', b: '2' });
  });
});
