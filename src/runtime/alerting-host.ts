import { join } from 'node:path';
import type { Ack, Silence } from '../alerting/alert-store.ts';
import type { Alert, Labels } from '../alerting/alert.ts';
import {
  Dispatcher,
  notifierTarget,
  type DeliveryRecord,
  type ReceiverTarget,
} from '../alerting/dispatcher.ts';
import { matcherProblem, matchesAll } from '../alerting/matchers.ts';
import type { PreparedMessage } from '../alerting/notification.ts';
import { notifierOf } from '../alerting/notifiers/registry.ts';
import { AlertPipeline } from '../alerting/pipeline.ts';
import { MonitorAlerts, type MonitorSignal } from '../alerting/sources/monitor-alerts.ts';
import { PoolRules, type PoolSample } from '../alerting/sources/pool-rules.ts';
import type { Config } from '../config/index.ts';
import { maxTimerMs } from '../config/units.ts';
import { wallClock, type Clock } from '../core/clock.ts';
import type { AlertingMetrics, Logger } from '../observability/index.ts';
import { openSqlite, SqliteAlertStore, type SqliteHandle } from '../store/index.ts';
import { repeatEvery } from './repeat.ts';

export interface AlertingHostOptions {
  readonly logger: Logger;
  readonly metrics: AlertingMetrics;
  /** One reading per pool of the gateway's health and cumulative counters, for the pool rules. */
  readonly poolSamples: () => Promise<readonly PoolSample[]>;
  /** Bulwark's admin URL, linked from messages unless alerting.external_url is set. */
  readonly adminUrl: () => string;
  readonly clock?: Clock | undefined;
  /** The maintenance window muting these labels now (the status page's), if any. */
  readonly maintenanceOf?: ((labels: Labels, nowMs: number) => string | undefined) | undefined;
  /** Every alert the sources fire, and each resolution (the status page opens and withdraws draft incidents). */
  readonly onAlert?: ((alert: Alert) => void) | undefined;
  /** Senders for receivers that are not configured notifiers (the status page's `status:…` ones). */
  readonly preparedTarget?: ((receiver: string) => ReceiverTarget | undefined) | undefined;
}

// Pool rules read the gateway every 5 s: `for: 30s` then means six agreeing readings.
const evaluateEveryMs = 5_000;
// Silences start and end on their own; the cache is re-read this often besides after every change.
const refreshEveryMs = 30_000;
// Alertmanager's resolve_timeout default: an alert its source stopped sending resolves after this long.
const resolveTimeoutMs = 5 * 60_000;
// Alertmanager's --data.retention default: finished deliveries and fully resolved groups are kept this long,
// for GET /api/v1/notifications and so a late duplicate is still recognised; then the tables forget them.
export const alertRetentionMs = 120 * 3_600_000;
const pruneEveryMs = 3_600_000;
/**
 * At most this long after a start, notifications wait for the status page to say which maintenance windows are
 * in force. Alertmanager's default group_wait: a first page as late as it would be there anyway; a page that
 * has not started by then is broken, and must not hold pages longer.
 */
export const maintenanceWaitMs = 30_000;

/**
 * Alerting for one control plane: opens its store beside monitoring's, turns monitor states and pool readings
 * into alerts, runs them through the pipeline into the outbox, and delivers from there. A reload builds a new
 * pipeline and dispatcher and swaps them in; the alerts standing in the sources are fired into the new one,
 * and the durable notification log keeps receivers from hearing them twice. Once every source has reported
 * after the start (reportGraceMs), what receivers were told fires and nothing re-fired is resolved. With a status
 * page, nothing is sent until it has started (maintenanceKnown), at most maintenanceWaitMs.
 */
export class AlertingHost {
  readonly store: SqliteAlertStore;
  readonly #handle: SqliteHandle;
  readonly #options: AlertingHostOptions;
  readonly #clock: Clock;
  readonly #monitorAlerts: MonitorAlerts;
  readonly #poolRules: PoolRules;
  #pipeline: AlertPipeline;
  #dispatcher: Dispatcher;
  #silences: readonly Silence[] = [];
  /** Stored silences whose matchers cannot be evaluated, already reported. */
  readonly #unusableSilences = new Set<string>();
  #acks = new Map<string, Ack>();
  readonly #stopTimers: (() => void)[] = [];
  /** When every source has reported since start: alerts told before it and not re-fired then resolve. */
  #reportedByMs = 0;
  /** Until the status page has started, its maintenance windows are unknown: no group flushes (see start). */
  #awaitsMaintenance = false;

  private constructor(config: Config, handle: SqliteHandle, options: AlertingHostOptions) {
    this.#handle = handle;
    this.#options = options;
    this.#clock = options.clock ?? wallClock;
    this.store = new SqliteAlertStore(handle.db);
    const sink = {
      fire: (a: Alert) => {
        this.#pipeline.fire(a);
        // As the pipeline keeps it: a source re-creating an alert after a restart gets the told episode's start.
        options.onAlert?.(this.#pipeline.alert(a.fingerprint) ?? a);
      },
      resolve: (f: string, at?: number) => {
        const firing = this.#pipeline.alert(f);
        this.#pipeline.resolve(f, at);
        // The status page withdraws a draft its alert opened, if nobody published or edited it.
        if (firing?.status === 'firing')
          options.onAlert?.({ ...firing, status: 'resolved', endsAtMs: at ?? this.#clock.nowMs() });
      },
      toldUnreported: () => this.#pipeline.toldUnreported(),
    };
    this.#monitorAlerts = new MonitorAlerts(sink, config.alerting.certExpiryDays);
    this.#poolRules = new PoolRules(sink, config.alerting.rules);
    this.#pipeline = this.#buildPipeline(config);
    this.#dispatcher = this.#buildDispatcher(config);
  }

  static async start(config: Config, options: AlertingHostOptions): Promise<AlertingHost> {
    const handle = await openSqlite(join(config.dataDir, 'bulwark.db'));
    try {
      const host = new AlertingHost(config, handle, options);
      await host.#start(config);
      return host;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Wall-clock now, on the clock the pipeline uses (the admin verbs stamp silences and acks with it). */
  nowMs(): number {
    return this.#clock.nowMs();
  }

  get pipeline(): AlertPipeline {
    return this.#pipeline;
  }

  /** Queues messages composed elsewhere (to status page subscribers); durable when this resolves. */
  async enqueue(messages: readonly PreparedMessage[]): Promise<void> {
    await this.store.enqueue(messages);
    this.#dispatcher.wake();
  }

  /** After each monitor result or state change. */
  monitorChanged(signal: MonitorSignal): void {
    this.#monitorAlerts.update(signal, this.#clock.nowMs());
  }

  /** The status page has started (or failed to): its maintenance windows now mute, so groups may flush. */
  maintenanceKnown(): void {
    this.#awaitsMaintenance = false;
    this.#pipeline.releaseFlushes();
  }

  /** A reload: new routes, receivers and rules take over; standing alerts carry across. */
  async apply(config: Config): Promise<void> {
    const old = { pipeline: this.#pipeline, dispatcher: this.#dispatcher };
    await Promise.all([old.pipeline.stop(), old.dispatcher.stop()]);
    this.#pipeline = this.#buildPipeline(config);
    if (this.#awaitsMaintenance) this.#pipeline.holdFlushes();
    await this.#pipeline.start();
    for (const { alert } of old.pipeline.firing()) this.#pipeline.fire(alert);
    this.#poolRules.setRules(config.alerting.rules, this.#clock.nowMs());
    this.#monitorAlerts.retain(new Set(config.monitors.map((m) => m.id)), this.#clock.nowMs());
    // Past the grace period every standing alert was just re-fired: what receivers were told beyond that (a
    // resolution the old pipeline had not sent yet, a group the new routes no longer form) resolves now.
    if (this.#clock.nowMs() >= this.#reportedByMs) this.#pipeline.resolveUnreported();
    this.#dispatcher = this.#buildDispatcher(config);
    this.#dispatcher.start();
  }

  async stop(): Promise<void> {
    for (const stop of this.#stopTimers) stop();
    await Promise.all([this.#pipeline.stop(), this.#dispatcher.stop()]);
    await this.#handle.close();
  }

  /** Re-reads silences and acks after a verb changed them, so the next flush sees them. */
  async refresh(): Promise<void> {
    const nowMs = this.#clock.nowMs();
    this.#silences = (await this.store.listSilences(nowMs)).filter((s) => this.#isUsable(s));
    this.#acks = new Map(
      (await this.store.listAcks()).map((ack) => [`${ack.fingerprint}@${ack.episodeStartMs}`, ack]),
    );
  }

  ackOf(fingerprint: string): Ack | undefined {
    const alert = this.#pipeline.alert(fingerprint);
    return alert ? this.#acks.get(`${fingerprint}@${alert.startsAtMs}`) : undefined;
  }

  /**
   * A silence stored by an older version that did not check its regexes matches nothing (what it means cannot
   * be known), and is reported once, rather than failing every flush and the alerts API.
   */
  #isUsable(silence: Silence): boolean {
    const problem = silence.matchers.map(matcherProblem).find((p) => p !== undefined);
    if (problem === undefined) return true;
    if (!this.#unusableSilences.has(silence.id)) {
      this.#unusableSilences.add(silence.id);
      this.#options.logger.warn(
        { event: 'silence-unusable', silence: silence.id, problem },
        'a stored silence has a matcher that cannot be evaluated; it silences nothing (expire it and create it anew)',
      );
    }
    return false;
  }

  async #start(config: Config): Promise<void> {
    await this.refresh();
    await this.#pipeline.start();
    // The status page starts after alerting, while monitors already report: without the hold, an alert under a
    // window running since before the start would page within its group_wait.
    if (config.statusPage) this.#holdForMaintenance();
    this.#dispatcher.start();
    const graceMs = reportGraceMs(config);
    this.#reportedByMs = this.#clock.nowMs() + graceMs;
    this.#stopTimers.push(this.#clock.setTimer(graceMs, () => this.#pipeline.resolveUnreported()));
    this.#every(evaluateEveryMs, async () =>
      this.#poolRules.observe(await this.#options.poolSamples(), this.#clock.nowMs()),
    );
    this.#every(refreshEveryMs, () => this.refresh());
    this.#every(refreshEveryMs, async () => this.#options.metrics.setOutbox(await this.store.outboxCounts()));
    this.#every(pruneEveryMs, () => this.prune());
    this.#options.metrics.source = {
      firing: () =>
        this.#pipeline.firing().map(({ alert, suppression }) => ({
          severity: alert.labels['severity'] ?? 'none',
          isSuppressed: suppression !== undefined,
        })),
    };
  }

  #holdForMaintenance(): void {
    this.#awaitsMaintenance = true;
    this.#pipeline.holdFlushes();
    this.#stopTimers.push(
      this.#clock.setTimer(maintenanceWaitMs, () => {
        if (!this.#awaitsMaintenance) return;
        this.#options.logger.warn(
          { event: 'maintenance-unknown', waitedMs: maintenanceWaitMs },
          'the status page has not started: alerts are sent without knowing its maintenance windows',
        );
        this.maintenanceKnown();
      }),
    );
  }

  /** Forgets deliveries finished and groups resolved longer than alertRetentionMs ago (run hourly). */
  async prune(): Promise<void> {
    const beforeMs = this.#clock.nowMs() - alertRetentionMs;
    await this.store.pruneOutboxBefore(beforeMs);
    await this.store.pruneNotificationLogBefore(beforeMs);
  }

  #every(intervalMs: number, task: () => Promise<unknown>): void {
    const onError = (error: unknown) =>
      this.#options.logger.error({ event: 'alerting-task-failed', err: error }, 'an alerting task failed');
    this.#stopTimers.push(repeatEvery(this.#clock, intervalMs, task, onError));
  }

  #buildPipeline(config: Config): AlertPipeline {
    const { alerting } = config;
    const adminBase = (alerting.externalUrl ?? this.#options.adminUrl()).replace(/\/$/, '');
    return new AlertPipeline({
      clock: this.#clock,
      store: this.store,
      root: alerting.root,
      inhibitRules: alerting.inhibitRules,
      sendsResolved: (receiver) => {
        const entry = alerting.notifiers[receiver];
        if (!entry) return undefined;
        return (
          entry.send_resolved ??
          alerting.defaultSendResolved ??
          notifierOf(entry.type)?.sendsResolvedByDefault ??
          true
        );
      },
      silencedBy: (labels, nowMs) =>
        this.#silences
          .filter((s) => s.startsAtMs <= nowMs && nowMs < s.endsAtMs && matchesAll(s.matchers, labels))
          .map((s) => s.id),
      isAcked: (episode) => this.#acks.has(episode),
      maintenanceOf: this.#options.maintenanceOf,
      links: { admin: `${adminBase}/api/v1/alerts` },
      onQueued: () => this.#dispatcher.wake(),
      onError: (error) =>
        this.#options.logger.error(
          { event: 'alerting-flush-failed', err: error },
          'an alert group could not be flushed; it is retried at its next interval',
        ),
    });
  }

  #buildDispatcher(config: Config): Dispatcher {
    const { alerting } = config;
    return new Dispatcher({
      store: this.store,
      clock: this.#clock,
      maxDeliveryAgeMs: alerting.maxDeliveryAgeMs,
      receivers: (name): ReceiverTarget | undefined => {
        const entry = alerting.notifiers[name];
        const notifier = entry && notifierOf(entry.type);
        return entry && notifier ? notifierTarget(notifier, entry) : this.#options.preparedTarget?.(name);
      },
      onOutcome: (record) => this.#onOutcome(record),
      onError: (error) =>
        this.#options.logger.error(
          { event: 'outbox-error', err: error },
          'the outbox could not be read or updated; retrying',
        ),
    });
  }

  #onOutcome(record: DeliveryRecord): void {
    this.#options.metrics.countDelivery(record);
    const fields = {
      event: 'notification',
      notifier: record.notifier,
      notification: record.notificationId,
      group: record.groupKey,
      attempt: record.attempt,
      outcome: record.outcome,
      latencyMs: Math.round(record.latencyMs),
      error: record.error,
    };
    if (record.outcome === 'delivered') this.#options.logger.info(fields, 'notification delivered');
    else if (record.outcome === 'retry')
      this.#options.logger.warn(fields, 'notification failed; it will be retried');
    else this.#options.logger.error(fields, 'notification dead-lettered');
  }
}

/**
 * How long after a start every source has reported what still fires: each monitor has had a result (its
 * interval, timeout and rechecks) and each pool rule its `for` and two readings; doubled for slack, and never
 * under Alertmanager's resolve_timeout; never past what a timer can wait.
 */
export function reportGraceMs(config: Config): number {
  const monitorMs = config.monitors.map(
    (m) => m.intervalMs + m.timeoutMs + m.recheck.attempts * (m.recheck.delayMs + m.timeoutMs),
  );
  const ruleMs = config.alerting.rules.map((r) => r.forMs + 2 * evaluateEveryMs);
  // A monitor may run every 24 days; twice that would overflow node's timer, which then fires after 1 ms.
  return Math.min(maxTimerMs, Math.max(resolveTimeoutMs, 2 * Math.max(0, ...monitorMs, ...ruleMs)));
}
