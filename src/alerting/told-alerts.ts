import { episodeOf } from './alert-group.ts';
import type { NotificationLogEntry } from './alert-store.ts';
import type { Alert, Labels } from './alert.ts';
import type { RouteNode } from './route-tree.ts';

/**
 * What the notification log says receivers were told is firing, read back after a restart: the episodes
 * (`fingerprint@startsAtMs`) and group keys, and the alerts as they were shown. Alerts come back from their
 * sources; one that does not is resolved from what the log knows.
 */

/** An episode receivers were told fires; `alert` is unknown in a log written before migration 0006. */
export interface ToldEpisode {
  readonly startsAtMs: number;
  readonly alert: Alert | undefined;
}

/** Fingerprint → the episode receivers were last told fires (the latest, should two logs differ). */
export function toldFiring(logs: Iterable<NotificationLogEntry>): Map<string, ToldEpisode> {
  const told = new Map<string, ToldEpisode>();
  for (const entry of logs) {
    const shown = toldAlerts([entry]);
    for (const episode of entry.firingFingerprints) {
      const parsed = parseEpisode(episode);
      if (!parsed) continue;
      const known = told.get(parsed.fingerprint);
      const isKnown =
        known !== undefined &&
        (known.startsAtMs > parsed.startsAtMs ||
          (known.startsAtMs === parsed.startsAtMs && known.alert !== undefined));
      if (!isKnown)
        told.set(parsed.fingerprint, { startsAtMs: parsed.startsAtMs, alert: shown.get(episode) });
    }
  }
  return told;
}

/** Episode → the firing alert as these log entries showed it. */
export function toldAlerts(entries: Iterable<NotificationLogEntry>): Map<string, Alert> {
  const alerts = new Map<string, Alert>();
  for (const entry of entries) for (const alert of entry.firingAlerts) alerts.set(episodeOf(alert), alert);
  return alerts;
}

/** The inverse of episodeOf. */
export function parseEpisode(episode: string): { fingerprint: string; startsAtMs: number } | undefined {
  const at = episode.lastIndexOf('@');
  const startsAtMs = Number(episode.slice(at + 1));
  return at > 0 && Number.isFinite(startsAtMs)
    ? { fingerprint: episode.slice(0, at), startsAtMs }
    : undefined;
}

/** The group labels written into a group key (`0.1:{component="API"}`, values JSON strings): the inverse of groupKeyOf. */
export function labelsOfGroupKey(groupKey: string): Labels {
  const labels: Record<string, string> = {};
  const body = groupKey.slice(groupKey.indexOf(':{') + 1);
  for (const match of body.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*")/g)) {
    const [, name = '', value = '""'] = match;
    labels[name] = JSON.parse(value) as string;
  }
  return labels;
}

/**
 * The route a group key was made on, to resolve in that group what its receivers were told. After a reload
 * that changed its matchers the id names no route: the timers then come from the root, and the receivers are
 * always at least those the log says were told.
 */
export function routeOfGroupKey(root: RouteNode, groupKey: string, told: readonly string[]): RouteNode {
  const id = groupKey.slice(0, groupKey.indexOf(':{'));
  const route = findRoute(root, id);
  const receivers = [...new Set([...(route?.receivers ?? []), ...told])];
  return { ...(route ?? root), id, receivers, children: [] };
}

function findRoute(node: RouteNode, id: string): RouteNode | undefined {
  if (node.id === id) return node;
  for (const child of node.children) {
    const found = findRoute(child, id);
    if (found) return found;
  }
  return undefined;
}

/** Log entries that still list firing alerts, by group key; receivers no longer configured are left out. */
export function toldByGroup(
  logs: Iterable<NotificationLogEntry>,
  sendsResolved: (receiver: string) => boolean | undefined,
): Map<string, NotificationLogEntry[]> {
  const byGroup = new Map<string, NotificationLogEntry[]>();
  for (const entry of logs) {
    if (entry.firingFingerprints.length === 0 || sendsResolved(entry.receiver) === undefined) continue;
    byGroup.set(entry.groupKey, [...(byGroup.get(entry.groupKey) ?? []), entry]);
  }
  return byGroup;
}
