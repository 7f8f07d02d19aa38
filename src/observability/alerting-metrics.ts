import { Counter, Gauge, type Registry } from 'prom-client';

/** What the alerting gauges read at scrape time. */
export interface AlertingGaugeSource {
  /** Standing alerts: their severity and whether something mutes them. */
  firing(): readonly { readonly severity: string; readonly isSuppressed: boolean }[];
}

/**
 * Alerting's series: standing alerts by severity and state, deliveries by notifier and outcome, and the
 * outbox's backlog and dead letters (refreshed by the host; a scrape never queries the database).
 */
export class AlertingMetrics {
  readonly #deliveries: Counter<'notifier' | 'outcome'>;
  readonly #pending: Gauge;
  readonly #dead: Gauge;
  readonly #alerts: Gauge<'severity' | 'state'>;
  #source: AlertingGaugeSource | undefined;

  constructor(registry: Registry) {
    this.#alerts = new Gauge({
      name: 'bulwark_alerts',
      help: 'Firing alerts by severity and state (active, or suppressed by a silence, inhibition or maintenance).',
      labelNames: ['severity', 'state'],
      registers: [registry],
      collect: () => this.#collectFiring(),
    });
    this.#deliveries = new Counter({
      name: 'bulwark_notifications_total',
      help: 'Notification send decisions by notifier and outcome (delivered, retry, dead).',
      labelNames: ['notifier', 'outcome'],
      registers: [registry],
    });
    this.#pending = new Gauge({
      name: 'bulwark_outbox_pending',
      help: 'Notifications waiting in the outbox for delivery or a retry.',
      registers: [registry],
    });
    this.#dead = new Gauge({
      name: 'bulwark_outbox_dead_letters',
      help: 'Notifications given up on (older than max_delivery_age, rejected, or their notifier removed).',
      registers: [registry],
    });
  }

  set source(source: AlertingGaugeSource | undefined) {
    this.#source = source;
  }

  countDelivery(record: { readonly notifier: string; readonly outcome: string }): void {
    this.#deliveries.inc({ notifier: record.notifier, outcome: record.outcome });
  }

  setOutbox(counts: { readonly pending: number; readonly dead: number }): void {
    this.#pending.set(counts.pending);
    this.#dead.set(counts.dead);
  }

  #collectFiring(): void {
    this.#alerts.reset();
    for (const alert of this.#source?.firing() ?? []) {
      this.#alerts.inc({ severity: alert.severity, state: alert.isSuppressed ? 'suppressed' : 'active' });
    }
  }
}
