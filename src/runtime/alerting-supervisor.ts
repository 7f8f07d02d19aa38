import type { AlertsApi, AlertView } from '../admin/http/alert-routes.ts';
import type { Alert } from '../alerting/alert.ts';
import { isPrepared, type PreparedMessage } from '../alerting/notification.ts';
import type { Config } from '../config/index.ts';
import {
  acknowledgeAlert,
  createSilence,
  expireSilence,
  listSilences,
  ServiceError,
  type SilenceDeps,
} from '../services/index.ts';
import type { MonitorSignal } from '../alerting/sources/monitor-alerts.ts';
import { AlertingMetrics, type Logger } from '../observability/index.ts';
import type { Registry } from 'prom-client';
import { AlertingHost, type AlertingHostOptions } from './alerting-host.ts';

/**
 * Alerting for a control plane: started when the config names at least one notifier or has a status page
 * (whose subscribers are told through the outbox), and by the reload that adds the first. Until then `host` is
 * undefined and the admin alerting routes answer with empty lists.
 */
export class AlertingSupervisor {
  readonly #options: AlertingHostOptions;
  #host: AlertingHost | undefined;
  #starting: Promise<void> | undefined;

  constructor(
    logger: Logger,
    registry: Registry,
    deps: Pick<
      AlertingHostOptions,
      'poolSamples' | 'adminUrl' | 'maintenanceOf' | 'onAlert' | 'preparedTarget'
    >,
  ) {
    this.#options = { logger, metrics: new AlertingMetrics(registry), ...deps };
  }

  get host(): AlertingHost | undefined {
    return this.#host;
  }

  async apply(config: Config): Promise<void> {
    if (this.#host) return this.#host.apply(config);
    if (Object.keys(config.alerting.notifiers).length === 0 && !config.statusPage) return;
    this.#starting ??= AlertingHost.start(config, this.#options).then((host) => {
      this.#host = host;
    });
    await this.#starting;
  }

  /** Where other sources (the status page's reminders) raise and clear alerts; undefined while alerting is off. */
  get sink(): { fire(alert: Alert): void; resolve(fingerprint: string): void } | undefined {
    const host = this.#host;
    return host && { fire: (alert) => host.pipeline.fire(alert), resolve: (fp) => host.pipeline.resolve(fp) };
  }

  /** The outbox, for messages composed elsewhere (status page subscribers); undefined while alerting is off. */
  get outbox(): { enqueue(messages: readonly PreparedMessage[]): Promise<void> } | undefined {
    const host = this.#host;
    return host && { enqueue: (messages) => host.enqueue(messages) };
  }

  monitorChanged(signal: MonitorSignal): void {
    this.#host?.monitorChanged(signal);
  }

  /** The status page has started, or failed to: alerting stops waiting for its maintenance windows. */
  maintenanceKnown(): void {
    this.#host?.maintenanceKnown();
  }

  async stop(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    await this.#host?.stop();
  }

  readonly api: AlertsApi = {
    alerts: () => this.#views(),
    acknowledge: async (fingerprint, body) => {
      const host = this.#running();
      await acknowledgeAlert(
        {
          store: host.store,
          nowMs: () => host.nowMs(),
          alert: (fp) => host.pipeline.alert(fp),
          onChange: () => host.refresh(),
        },
        fingerprint,
        body,
      );
      const view = this.#views().find((v) => v.fingerprint === fingerprint);
      if (!view) throw new ServiceError('SVC_NOT_FOUND', `no firing alert with fingerprint "${fingerprint}"`);
      return view;
    },
    silences: async () => (this.#host ? listSilences(this.#silenceDeps(this.#host)) : []),
    createSilence: (body) => createSilence(this.#silenceDeps(this.#running()), body),
    expireSilence: (id) => expireSilence(this.#silenceDeps(this.#running()), id),
    notifications: async (state, limit) => {
      const entries = await this.#host?.store.listOutbox({
        ...(state === undefined ? {} : { state: state as 'pending' | 'delivered' | 'dead' }),
        limit,
      });
      return (entries ?? []).map(({ notification: n, ...e }) => ({
        id: e.id,
        notifier: e.notifier,
        groupKey: e.groupKey,
        // A prepared message (to a status page subscriber) has no alert status; its summary says what it is.
        status: isPrepared(n) ? 'message' : n.status,
        reason: isPrepared(n) ? n.summary : n.reason,
        state: e.state,
        attempts: e.attempts,
        createdAt: iso(e.createdAtMs),
        nextAttemptAt: e.state === 'pending' ? iso(e.nextAttemptAtMs) : null,
        finishedAt: e.finishedAtMs === undefined ? null : iso(e.finishedAtMs),
        lastError: e.lastError ?? null,
        alerts: isPrepared(n) ? 0 : n.alerts.length,
      }));
    },
  };

  #running(): AlertingHost {
    if (!this.#host)
      throw new ServiceError(
        'SVC_NOT_FOUND',
        'alerting is not running: configure a notifier under alerting.notifiers, or a status_page (which starts it too)',
      );
    return this.#host;
  }

  #silenceDeps(host: AlertingHost): SilenceDeps {
    return { store: host.store, nowMs: () => host.nowMs(), onChange: () => host.refresh() };
  }

  #views(): AlertView[] {
    const host = this.#host;
    if (!host) return [];
    return host.pipeline.firing().map(({ alert, suppression, groups }) => {
      const ack = host.ackOf(alert.fingerprint);
      return {
        fingerprint: alert.fingerprint,
        labels: alert.labels,
        annotations: alert.annotations,
        startsAt: iso(alert.startsAtMs),
        state: suppression ? 'suppressed' : 'active',
        suppressedBy: suppression
          ? { by: suppression.by, ...('ids' in suppression ? { ids: suppression.ids } : {}) }
          : null,
        acknowledged: ack ? { by: ack.by, at: iso(ack.atMs) } : null,
        groups,
      };
    });
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
