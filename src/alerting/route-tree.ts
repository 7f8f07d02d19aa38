import { createHash } from 'node:crypto';
import type { Labels } from './alert.ts';
import { formatMatcher, matchesAll, type LabelMatcher } from './matchers.ts';

/** One node of the routing tree, with inherited settings already resolved (the config builds it). */
export interface RouteNode {
  /** `root`, or from routeIdOf: part of every group key, so it must stay the same across reloads. */
  readonly id: string;
  readonly matchers: readonly LabelMatcher[];
  readonly receivers: readonly string[];
  /** Label names forming the group; `['...']` groups by every label (no aggregation). */
  readonly groupBy: readonly string[];
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  /** Keep matching later siblings after this one matched. */
  readonly continue: boolean;
  readonly children: readonly RouteNode[];
}

/**
 * The routes an alert is delivered by (Alertmanager's tree walk): depth first, a matching child replaces its
 * parent; siblings after a match are tried only when it has `continue`; a node none of whose children match
 * handles the alert itself. The root matches everything.
 */
export function matchRoutes(root: RouteNode, labels: Labels): RouteNode[] {
  return walk(root, labels) ?? [root];
}

function walk(node: RouteNode, labels: Labels): RouteNode[] | undefined {
  if (!matchesAll(node.matchers, labels)) return undefined;
  const matched: RouteNode[] = [];
  for (const child of node.children) {
    const found = walk(child, labels);
    if (!found) continue;
    matched.push(...found);
    if (!child.continue) break;
  }
  return matched.length > 0 ? matched : [node];
}

/** The labels that form the alert's group on this route. */
export function groupLabelsOf(route: RouteNode, labels: Labels): Labels {
  if (route.groupBy.includes('...')) return labels;
  const picked: Record<string, string> = {};
  for (const name of route.groupBy) picked[name] = labels[name] ?? '';
  return picked;
}

/** `0.1:{component="API"}`: unique per route and group, readable in the API and in receivers. */
export function groupKeyOf(route: RouteNode, groupLabels: Labels): string {
  const pairs = Object.keys(groupLabels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(groupLabels[name] ?? '')}`);
  return `${route.id}:{${pairs.join(',')}}`;
}

/**
 * A route's id, part of every group key (and so of PagerDuty's dedup_key and Opsgenie's alias). Like
 * Alertmanager's route key it comes from the route's matchers and its parent's, not its position: inserting
 * or reordering routes on a reload leaves the other routes' groups, and the incidents they opened, as they
 * were. Siblings with the same matchers are told apart by their order among themselves.
 */
export function routeIdOf(parentId: string, matchers: readonly LabelMatcher[], twinsBefore: number): string {
  const text = matchers.map(formatMatcher).sort().join(',');
  const digest = createHash('sha256').update(`${parentId}/{${text}}`).digest('hex').slice(0, 12);
  return twinsBefore === 0 ? `r${digest}` : `r${digest}.${twinsBefore}`;
}
