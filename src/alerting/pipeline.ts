import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { NotificationLogEntry, NotificationLogStore, OutboxStore } from './alert-store.ts';
import { AlertGroup, commonOf, episodeOf, highestSeverity } from './alert-group.ts';
import type { Alert, Labels } from './alert.ts';
import { decide, type Decision } from './dedup.ts';
import { isInhibited, type InhibitRule } from './inhibit.ts';
import type { Notification } from './notification.ts';
import { groupKeyOf, groupLabelsOf, matchRoutes, type RouteNode } from './route-tree.ts';

/**
 * A resolution is sent this soon, not at the next group_interval tick; resolutions arriving meanwhile join
 * it. One cause recovering across a fleet (1,000 monitors within a second) then makes a couple of messages,
 * not one per monitor, and each still goes out well within a second.
 */
export const resolutionBatchMs = 300;

/** Why an alert is not being notified right now. */
export type Suppression =
  | { readonly by: 'silence'; readonly ids: readonly string[] }
  | { readonly by: 'inhibition' }
  | { readonly by: 'maintenance'; readonly id: string };

export interface PipelineDeps {
  /** Wall-clock epoch ms: alert times are stored and shown. */
  readonly clock: Clock;
  readonly store: OutboxStore & NotificationLogStore;
  readonly root: RouteNode;
  readonly inhibitRules: readonly InhibitRule[];
  /** Whether a receiver is told about resolutions; undefined for a receiver that does not exist. */
  readonly sendsResolved: (receiver: string) => boolean | undefined;
  /** Ids of the silences muting these labels now. */
  readonly silencedBy: (labels: Labels, nowMs: number) => readonly string[];
  /** The maintenance window muting these labels now, if any. */
  readonly maintenanceOf?: ((labels: Labels, nowMs: number) => string | undefined) | undefined;
  readonly isAcked: (episode: string) => boolean;
  readonly links: Notification['links'];
  /** Called after notifications were queued: the dispatcher should look now. */
  readonly onQueued: () => void;
  readonly onError: (error: unknown) => void;
}

/**
 * route → group (group_wait, group_interval) → inhibit → silence → maintenance → dedup → outbox.
 * Alerts live in memory and are re-created by their sources after a restart; the notification log and the
 * outbox are durable, so a restart neither repeats a notification nor loses one.
 */
export class AlertPipeline {
  readonly #deps: PipelineDeps;
  readonly #alerts = new Map<string, Alert>();
  readonly #groups = new Map<string, AlertGroup>();
  readonly #log = new Map<string, NotificationLogEntry>();
  #isStopped = false;

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
  }

  /** Loads what receivers were already told, so a restart does not notify again. */
  async start(): Promise<void> {
    for (const entry of await this.#deps.store.allNotificationLogs()) {
      this.#log.set(logKey(entry.receiver, entry.groupKey), entry);
    }
  }

  /** A new or still firing alert; a known one keeps its start unless a new episode began. */
  fire(alert: Alert): void {
    if (this.#isStopped) return;
    const known = this.#alerts.get(alert.fingerprint);
    if (known?.status === 'firing' && known.startsAtMs === alert.startsAtMs) {
      this.#alerts.set(alert.fingerprint, alert);
      for (const group of this.#groupsOf(alert)) group.alerts.set(alert.fingerprint, alert);
      return;
    }
    this.#alerts.set(alert.fingerprint, alert);
    for (const route of matchRoutes(this.#deps.root, alert.labels)) {
      const labels = groupLabelsOf(route, alert.labels);
      const key = groupKeyOf(route, labels);
      let group = this.#groups.get(key);
      if (!group) {
        group = new AlertGroup(key, route, labels);
        this.#groups.set(key, group);
        this.#schedule(group, route.groupWaitMs);
      }
      group.alerts.set(alert.fingerprint, alert);
    }
  }

  /** The alert stopped firing: its groups flush at once, not at their next interval. */
  resolve(fingerprint: string, endsAtMs = this.#deps.clock.nowMs()): void {
    const known = this.#alerts.get(fingerprint);
    if (this.#isStopped || known?.status !== 'firing') return;
    const resolved: Alert = { ...known, status: 'resolved', endsAtMs };
    this.#alerts.delete(fingerprint);
    const nowMs = this.#deps.clock.nowMs();
    for (const group of this.#groupsOf(known)) {
      group.alerts.set(fingerprint, resolved);
      // A flush already due within the batch window carries this resolution too; never postpone one.
      if (group.nextFlushAtMs === undefined || group.nextFlushAtMs > nowMs + resolutionBatchMs)
        this.#schedule(group, resolutionBatchMs);
    }
  }

  /** Every firing alert, with what mutes it. */
  firing(): { alert: Alert; suppression: Suppression | undefined; groups: string[] }[] {
    const nowMs = this.#deps.clock.nowMs();
    return [...this.#alerts.values()].map((alert) => ({
      alert,
      suppression: this.#suppressionOf(alert, nowMs),
      groups: this.#groupsOf(alert).map((g) => g.key),
    }));
  }

  /** Resolves when every flush started so far has finished (tests and shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.#groups.values()].map((g) => g.pending));
  }

  alert(fingerprint: string): Alert | undefined {
    return this.#alerts.get(fingerprint);
  }

  /** Stops timers and waits for flushes under way; nothing new is queued afterwards. */
  async stop(): Promise<void> {
    this.#isStopped = true;
    for (const group of this.#groups.values()) group.cancelTimer();
    await Promise.all([...this.#groups.values()].map((g) => g.pending));
  }

  #groupsOf(alert: Alert): AlertGroup[] {
    return [...this.#groups.values()].filter((g) => g.alerts.has(alert.fingerprint));
  }

  #schedule(group: AlertGroup, delayMs: number): void {
    group.cancelTimer();
    group.nextFlushAtMs = this.#deps.clock.nowMs() + delayMs;
    group.cancelTimer = this.#deps.clock.setTimer(delayMs, () => {
      group.nextFlushAtMs = undefined;
      group.pending = group.pending.then(() => this.#flush(group)).catch(this.#deps.onError);
    });
  }

  async #flush(group: AlertGroup): Promise<void> {
    if (this.#isStopped) return;
    const nowMs = this.#deps.clock.nowMs();
    const alerts = [...group.alerts.values()];
    const visible = alerts.filter((alert) => this.#suppressionOf(alert, nowMs) === undefined);
    const firing = visible.filter((a) => a.status === 'firing');
    const resolved = visible.filter((a) => a.status === 'resolved');
    const snapshot = {
      firing: new Set(firing.map(episodeOf)),
      resolved: new Set(resolved.map(episodeOf)),
      acked: new Set(firing.map(episodeOf).filter((episode) => this.#deps.isAcked(episode))),
    };
    const queued: Notification[] = [];
    const logs: NotificationLogEntry[] = [];
    for (const receiver of group.route.receivers) {
      const sendResolved = this.#deps.sendsResolved(receiver);
      if (sendResolved === undefined) continue;
      const key = logKey(receiver, group.key);
      const log = this.#log.get(key);
      const { repeatIntervalMs } = group.route;
      const decision = decide(log, snapshot, { sendResolved, repeatIntervalMs, nowMs });
      if (!decision) continue;
      const shown = sendResolved ? [...firing, ...resolved] : firing;
      if (shown.length > 0) queued.push(this.#notification(group, receiver, decision, shown, log, nowMs));
      logs.push({
        receiver,
        groupKey: group.key,
        firingFingerprints: [...snapshot.firing],
        resolvedFingerprints: [...snapshot.resolved],
        atMs: nowMs,
      });
    }
    // Queue before logging: a crash in between re-decides the same notification, whose id is derived
    // from its content, and the outbox ignores an id it already holds.
    if (queued.length > 0) await this.#deps.store.enqueue(queued);
    for (const entry of logs) {
      await this.#deps.store.putNotificationLog(entry);
      this.#log.set(logKey(entry.receiver, entry.groupKey), entry);
    }
    if (queued.length > 0) this.#deps.onQueued();
    group.forgetReported(new Set(alerts.filter((a) => a.status === 'resolved').map(episodeOf)));
    if (group.alerts.size === 0) {
      group.cancelTimer();
      this.#groups.delete(group.key);
    } else {
      this.#schedule(group, group.route.groupIntervalMs);
    }
  }

  #notification(
    group: AlertGroup,
    receiver: string,
    decision: NonNullable<Decision>,
    alerts: readonly Alert[],
    log: NotificationLogEntry | undefined,
    nowMs: number,
  ): Notification {
    const firing = alerts.filter((a) => a.status === 'firing');
    const episodes = alerts.map((a) => `${episodeOf(a)}:${a.status}`).sort();
    const repeatOf = decision === 'repeat' ? String(log?.atMs ?? '') : '';
    const id = createHash('sha256')
      .update([receiver, group.key, ...episodes, repeatOf].join('\n'))
      .digest('hex')
      .slice(0, 32);
    return {
      id: `ntf_${id}`,
      receiver,
      groupKey: group.key,
      status: firing.length > 0 ? 'firing' : 'resolved',
      reason: decision,
      groupLabels: group.labels,
      commonLabels: commonOf(alerts.map((a) => a.labels)),
      commonAnnotations: commonOf(alerts.map((a) => a.annotations)),
      alerts,
      severity: highestSeverity(firing.length > 0 ? firing : alerts),
      links: this.#deps.links,
      createdAtMs: nowMs,
    };
  }

  #suppressionOf(alert: Alert, nowMs: number): Suppression | undefined {
    const silences = this.#deps.silencedBy(alert.labels, nowMs);
    if (silences.length > 0) return { by: 'silence', ids: silences };
    if (isInhibited(alert, this.#alerts.values(), this.#deps.inhibitRules)) return { by: 'inhibition' };
    const maintenance = this.#deps.maintenanceOf?.(alert.labels, nowMs);
    return maintenance === undefined ? undefined : { by: 'maintenance', id: maintenance };
  }
}

function logKey(receiver: string, groupKey: string): string {
  return `${receiver}\u0000${groupKey}`;
}
