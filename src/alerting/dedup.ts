import type { NotificationLogEntry } from './alert-store.ts';

export interface GroupSnapshot {
  readonly firing: ReadonlySet<string>;
  readonly resolved: ReadonlySet<string>;
  /** Firing alerts someone acknowledged in their current episode. */
  readonly acked: ReadonlySet<string>;
}

export type Decision = 'first' | 'new-alerts' | 'resolved' | 'repeat' | 'state-change' | undefined;

/**
 * Whether a receiver must hear about a group now: Alertmanager's `needsUpdate` (notify/dedup_stage.go)
 * with two changes. A resolved alert the receiver never heard of is still reported (once) when it sends
 * resolved notices — Alertmanager stays silent, so a short outage leaves no trace. And reminders stop while
 * every firing alert is acknowledged.
 */
export function decide(
  log: NotificationLogEntry | undefined,
  group: GroupSnapshot,
  options: { sendResolved: boolean; repeatIntervalMs: number; nowMs: number },
): Decision {
  const notifiedFiring = new Set(log?.firingFingerprints ?? []);
  const notifiedResolved = new Set(log?.resolvedFingerprints ?? []);
  if (group.firing.size > 0) {
    if (!log || notifiedFiring.size === 0) return 'first';
    if (!isSubset(group.firing, notifiedFiring)) return 'new-alerts';
  } else {
    if (notifiedFiring.size > 0) return 'resolved';
    // Fired and resolved between two notifications: tell it once, as a resolution.
    return options.sendResolved && !isSubset(group.resolved, notifiedResolved) ? 'resolved' : undefined;
  }
  if (options.sendResolved && !isSubset(group.resolved, notifiedResolved)) return 'state-change';
  const isEveryFiringAcked = [...group.firing].every((fingerprint) => group.acked.has(fingerprint));
  if (isEveryFiringAcked) return undefined;
  return options.nowMs - log.atMs >= options.repeatIntervalMs ? 'repeat' : undefined;
}

function isSubset(subset: ReadonlySet<string>, superset: ReadonlySet<string>): boolean {
  for (const item of subset) if (!superset.has(item)) return false;
  return true;
}
