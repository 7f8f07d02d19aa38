import type { Clock } from '../core/clock.ts';
import type { NotificationLogEntry, NotificationLogStore, OutboxStore } from './alert-store.ts';
import { AlertGroup, episodeOf, notificationOf } from './alert-group.ts';
import type { Alert, Labels } from './alert.ts';
import { decide, receiverView } from './dedup.ts';
import { isInhibited, type InhibitRule } from './inhibit.ts';
import type { Notification } from './notification.ts';
import { groupKeyOf, groupLabelsOf, matchRoutes, type RouteNode } from './route-tree.ts';
import {
  labelsOfGroupKey,
  parseEpisode,
  routeOfGroupKey,
  toldAlerts,
  toldByGroup,
  toldFiring,
  type ToldEpisode,
} from './told-alerts.ts';

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
 * outbox are durable, so a restart neither repeats a notification nor loses one, and what the log says
 * receivers were told fires but no source re-creates is resolved (resolveUnreported).
 */
export class AlertPipeline {
  readonly #deps: PipelineDeps;
  readonly #alerts = new Map<string, Alert>();
  readonly #groups = new Map<string, AlertGroup>();
  readonly #log = new Map<string, NotificationLogEntry>();
  /**
   * Since start: alerts receivers were told fire that no source re-fired yet. Until resolveUnreported they
   * count as firing: they still inhibit, and receivers' logs keep them.
   */
  readonly #toldAtStart = new Map<string, ToldEpisode>();
  #awaitsSources = true;
  /** While held, groups due to flush wait here (releaseFlushes). */
  #held: Set<AlertGroup> | undefined;
  #isStopped = false;

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
  }

  /** Loads what receivers were already told, so a restart does not notify again. */
  async start(): Promise<void> {
    for (const entry of await this.#deps.store.allNotificationLogs()) {
      this.#log.set(logKey(entry.receiver, entry.groupKey), entry);
    }
    const configured = [...this.#log.values()].filter(
      (e) => this.#deps.sendsResolved(e.receiver) !== undefined,
    );
    for (const [fingerprint, told] of toldFiring(configured)) this.#toldAtStart.set(fingerprint, told);
  }

  /**
   * A new or still firing alert. A firing one keeps its episode until it resolves (Alertmanager merges
   * overlapping alerts so too), and one receivers were told fires before a restart continues that episode,
   * although its source, which keeps no state, re-created it with a new start.
   */
  fire(alert: Alert): void {
    if (this.#isStopped) return;
    const { fingerprint } = alert;
    const known = this.#alerts.get(fingerprint);
    const startsAtMs =
      known?.startsAtMs ?? this.#toldAtStart.get(fingerprint)?.startsAtMs ?? alert.startsAtMs;
    this.#toldAtStart.delete(fingerprint);
    const current = startsAtMs === alert.startsAtMs ? alert : { ...alert, startsAtMs };
    const episode = episodeOf(current);
    this.#alerts.set(fingerprint, current);
    if (known) {
      for (const group of this.#groupsOf(current)) group.alerts.set(episode, current);
      return;
    }
    for (const route of matchRoutes(this.#deps.root, current.labels)) {
      const labels = groupLabelsOf(route, current.labels);
      const key = groupKeyOf(route, labels);
      let group = this.#groups.get(key);
      if (!group) {
        group = new AlertGroup(key, route, labels);
        this.#groups.set(key, group);
        this.#schedule(group, route.groupWaitMs);
      }
      // Keyed by episode: a resolution of this fingerprint not reported yet stays beside the new episode.
      group.alerts.set(episode, current);
      group.toldOnly.delete(episode);
    }
  }

  /** The alert stopped firing: its groups flush at once, not at their next interval. */
  resolve(fingerprint: string, endsAtMs = this.#deps.clock.nowMs()): void {
    const known = this.#alerts.get(fingerprint);
    if (this.#isStopped || known?.status !== 'firing') return;
    const resolved: Alert = { ...known, status: 'resolved', endsAtMs };
    const groups = this.#groupsOf(known);
    this.#alerts.delete(fingerprint);
    for (const group of groups) {
      group.alerts.set(episodeOf(known), resolved);
      this.#flushSoon(group);
    }
  }

  /**
   * Called once every source has had time to report after a start (the host's grace period), and after a
   * reload: an alert a receiver was told fires that is not firing in that group now (no source re-fired it,
   * or a reload moved it to another group) is resolved there, for the receivers that were told. Alertmanager
   * likewise resolves an alert its source stopped sending, after resolve_timeout.
   */
  resolveUnreported(): void {
    if (this.#isStopped) return;
    this.#toldAtStart.clear();
    this.#awaitsSources = false;
    const nowMs = this.#deps.clock.nowMs();
    for (const [groupKey, entries] of toldByGroup(this.#log.values(), this.#deps.sendsResolved)) {
      const existing = this.#groups.get(groupKey);
      const stale = [...new Set(entries.flatMap((e) => e.firingFingerprints))].filter(
        (episode) => parseEpisode(episode) !== undefined && !existing?.alerts.has(episode),
      );
      if (stale.length === 0) continue;
      const receivers = entries.map((e) => e.receiver);
      const group =
        existing ??
        new AlertGroup(
          groupKey,
          routeOfGroupKey(this.#deps.root, groupKey, receivers),
          labelsOfGroupKey(groupKey),
        );
      this.#groups.set(groupKey, group);
      const shown = toldAlerts(entries);
      for (const episode of stale) {
        const resolved: Alert = {
          ...(shown.get(episode) ?? this.#alertWithoutDetails(episode, group)),
          status: 'resolved',
          endsAtMs: nowMs,
        };
        group.alerts.set(episode, resolved);
        group.toldOnly.add(episode);
      }
      this.#flushSoon(group);
    }
  }

  /** A told alert whose log entry predates migration 0006: its episode, and the group's labels. */
  #alertWithoutDetails(episode: string, group: AlertGroup): Alert {
    const { fingerprint = '', startsAtMs = 0 } = parseEpisode(episode) ?? {};
    const live = this.#alerts.get(fingerprint);
    return {
      fingerprint,
      labels: live?.labels ?? group.labels,
      annotations: live?.annotations ?? { summary: 'not reported again after a restart' },
      status: 'firing',
      startsAtMs,
    };
  }

  /**
   * Until releaseFlushes, no group flushes: one due waits, its group_wait kept. At a start the maintenance
   * windows are not known yet, and a flush then would page for an alert a window already mutes.
   */
  holdFlushes(): void {
    this.#held ??= new Set();
  }

  /** Flushes at once every group that came due while held. */
  releaseFlushes(): void {
    const held = this.#held;
    this.#held = undefined;
    for (const group of held ?? []) {
      if (this.#groups.get(group.key) === group && group.nextFlushAtMs === undefined)
        this.#schedule(group, 0);
    }
  }

  /** Until resolveUnreported: the alerts receivers were told fire that no source re-fired since the start. */
  toldUnreported(): Alert[] {
    return [...this.#toldAtStart.values()].flatMap(({ alert }) => alert ?? []);
  }

  /** Every firing alert, with what mutes it. */
  firing(): { alert: Alert; suppression: Suppression | undefined; groups: string[] }[] {
    const nowMs = this.#deps.clock.nowMs();
    const inhibitors = this.#inhibitors();
    return [...this.#alerts.values()].map((alert) => ({
      alert,
      suppression: this.#suppressionOf(alert, nowMs, inhibitors),
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

  /** The groups the alert fires in (a group may also hold it resolved, waiting to report it). */
  #groupsOf(alert: Alert): AlertGroup[] {
    const episode = episodeOf(alert);
    return [...this.#groups.values()].filter((g) => g.alerts.get(episode)?.status === 'firing');
  }

  /** A flush already due within the batch window carries a resolution too; never postpone one. */
  #flushSoon(group: AlertGroup): void {
    const nowMs = this.#deps.clock.nowMs();
    if (group.nextFlushAtMs === undefined || group.nextFlushAtMs > nowMs + resolutionBatchMs)
      this.#schedule(group, resolutionBatchMs);
  }

  #schedule(group: AlertGroup, delayMs: number): void {
    group.cancelTimer();
    group.nextFlushAtMs = this.#deps.clock.nowMs() + delayMs;
    group.cancelTimer = this.#deps.clock.setTimer(delayMs, () => {
      group.nextFlushAtMs = undefined;
      group.cancelTimer = () => undefined;
      if (this.#held) {
        this.#held.add(group);
        return;
      }
      group.pending = group.pending
        .then(() => this.#flush(group))
        .catch(this.#deps.onError)
        .finally(() => this.#tickOn(group));
    });
  }

  /**
   * After every flush, failed or not: the group ticks again at group_interval (Alertmanager's group timer),
   * so a failed flush is retried then. A sooner flush set meanwhile (a resolution) stands, and ticks on itself.
   */
  #tickOn(group: AlertGroup): void {
    if (this.#isStopped || this.#groups.get(group.key) !== group) return;
    if (group.nextFlushAtMs === undefined) this.#schedule(group, group.route.groupIntervalMs);
  }

  async #flush(group: AlertGroup): Promise<void> {
    if (this.#isStopped) return;
    const nowMs = this.#deps.clock.nowMs();
    const alerts = [...group.alerts.values()];
    const inhibitors = this.#inhibitors();
    const mutedNow = new Set(
      alerts
        .filter(
          (alert) => group.toldOnly.has(episodeOf(alert)) || this.#suppressionOf(alert, nowMs, inhibitors),
        )
        .map(episodeOf),
    );
    const context = { mutedNow, holdsAbsent: this.#awaitsSources, isAcked: this.#deps.isAcked };
    const queued: Notification[] = [];
    const logs: NotificationLogEntry[] = [];
    for (const receiver of group.route.receivers) {
      const sendResolved = this.#deps.sendsResolved(receiver);
      if (sendResolved === undefined) continue;
      const log = this.#log.get(logKey(receiver, group.key));
      const view = receiverView(alerts, log, context);
      const { repeatIntervalMs } = group.route;
      const decision = decide(view.log, view.snapshot, { sendResolved, repeatIntervalMs, nowMs });
      if (!decision) {
        // Which told alerts are muted outlives a restart: one whose muting ended meanwhile is told again.
        if (log && !isSameSet(view.muted, log.mutedFingerprints))
          logs.push({ ...log, mutedFingerprints: view.muted });
        continue;
      }
      const shown = sendResolved ? [...view.firing, ...view.resolved] : view.firing;
      if (shown.length > 0)
        queued.push(
          notificationOf(group, { receiver, decision, alerts: shown, log }, this.#deps.links, nowMs),
        );
      logs.push({
        receiver,
        groupKey: group.key,
        firingFingerprints: [...view.snapshot.firing],
        resolvedFingerprints: [...view.snapshot.resolved],
        firingAlerts: firingAlertsOf(alerts, view.snapshot.firing, log),
        mutedFingerprints: view.muted,
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
    }
  }

  /**
   * What may inhibit: the firing alerts and, until resolveUnreported, those receivers were told fire that no
   * source re-fired yet. A pool rule re-fires only after its `for`: without them, the alerts it muted before a
   * restart would be sent meanwhile.
   */
  #inhibitors(): Alert[] {
    return [...this.#alerts.values(), ...this.toldUnreported()];
  }

  #suppressionOf(alert: Alert, nowMs: number, inhibitors: readonly Alert[]): Suppression | undefined {
    const silences = this.#deps.silencedBy(alert.labels, nowMs);
    if (silences.length > 0) return { by: 'silence', ids: silences };
    if (isInhibited(alert, inhibitors, this.#deps.inhibitRules)) return { by: 'inhibition' };
    const maintenance = this.#deps.maintenanceOf?.(alert.labels, nowMs);
    return maintenance === undefined ? undefined : { by: 'maintenance', id: maintenance };
  }
}

/** The firing alerts a receiver's log lists, as shown now or, for one in no group yet, as shown before. */
function firingAlertsOf(
  alerts: readonly Alert[],
  firing: ReadonlySet<string>,
  log: NotificationLogEntry | undefined,
): Alert[] {
  const byEpisode = new Map(alerts.filter((a) => a.status === 'firing').map((a) => [episodeOf(a), a]));
  const before = log ? toldAlerts([log]) : new Map<string, Alert>();
  return [...firing].flatMap((episode) => byEpisode.get(episode) ?? before.get(episode) ?? []);
}

function isSameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((item) => set.has(item));
}

function logKey(receiver: string, groupKey: string): string {
  return `${receiver}\u0000${groupKey}`;
}
