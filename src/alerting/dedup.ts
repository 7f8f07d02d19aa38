import { episodeOf } from './alert-group.ts';
import type { NotificationLogEntry } from './alert-store.ts';
import type { Alert } from './alert.ts';

export interface GroupSnapshot {
  readonly firing: ReadonlySet<string>;
  readonly resolved: ReadonlySet<string>;
  /** Firing alerts that send no reminders: acknowledged in their current episode, or muted. */
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

/** What one receiver is shown of a group now, and how `decide` must read its log. */
export interface ReceiverView {
  /** Firing alerts nothing mutes. */
  readonly firing: readonly Alert[];
  /** Resolved alerts nothing mutes, and muted ones the receiver was told fire: it hears how they ended. */
  readonly resolved: readonly Alert[];
  readonly snapshot: GroupSnapshot;
  /** The log without the alerts unmuted since the last flush: those are told again. */
  readonly log: NotificationLogEntry | undefined;
  /** Episodes the receiver was told fire that are muted now, for the log (mutedFingerprints). */
  readonly muted: readonly string[];
}

/**
 * Muting (silence, inhibition, maintenance) hides an alert but does not change what the receiver knows: a
 * muted alert it was told fires stays in its log as firing, never reminds, and its resolution is still sent,
 * so an incident opened on the receiver's side is closed. Alertmanager drops such resolutions. An alert it
 * was told fires that is in no group now (after a start or a reload, until its source re-fires it or
 * resolveUnreported resolves it) is held the same way, keeping whether it was muted.
 */
export function receiverView(
  alerts: readonly Alert[],
  log: NotificationLogEntry | undefined,
  context: {
    readonly mutedNow: ReadonlySet<string>;
    /**
     * Until resolveUnreported. After it, a told alert in no group is one whose resolution a receiver without
     * send_resolved did not log; holding it would keep that log firing for good.
     */
    readonly holdsAbsent: boolean;
    readonly isAcked: (episode: string) => boolean;
  },
): ReceiverView {
  const { mutedNow, isAcked } = context;
  const told = new Set(log?.firingFingerprints ?? []);
  const mutedBefore = new Set(log?.mutedFingerprints ?? []);
  const absent = new Set(context.holdsAbsent ? told : []);
  const firing: Alert[] = [];
  const resolved: Alert[] = [];
  const held: string[] = [];
  for (const alert of alerts) {
    const episode = episodeOf(alert);
    absent.delete(episode);
    const isMuted = mutedNow.has(episode);
    if (alert.status === 'resolved') {
      if (!isMuted || told.has(episode)) resolved.push(alert);
    } else if (!isMuted) firing.push(alert);
    else if (told.has(episode)) held.push(episode);
  }
  const shown = firing.map(episodeOf);
  const unmuted = new Set(shown.filter((episode) => told.has(episode) && mutedBefore.has(episode)));
  return {
    firing,
    resolved,
    snapshot: {
      firing: new Set([...shown, ...held, ...absent]),
      resolved: new Set(resolved.map(episodeOf)),
      acked: new Set([...shown.filter(isAcked), ...held, ...absent]),
    },
    log:
      log && unmuted.size > 0
        ? { ...log, firingFingerprints: log.firingFingerprints.filter((e) => !unmuted.has(e)) }
        : log,
    muted: [...held, ...[...absent].filter((episode) => mutedBefore.has(episode))],
  };
}
