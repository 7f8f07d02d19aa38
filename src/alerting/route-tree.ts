import type { Labels } from './alert.ts';
import { matchesAll, type LabelMatcher } from './matchers.ts';

/** One node of the routing tree, with inherited settings already resolved (the config builds it). */
export interface RouteNode {
  /** Position in the tree (`root`, `0`, `0.1`): part of every group key, so stable across reloads. */
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
