import { firingAlert, type Alert, type Labels } from '../alert.ts';

/** What alerting needs to know of one monitor after each of its results (monitor/ is not imported). */
export interface MonitorSignal {
  readonly id: string;
  readonly name: string;
  /** up | degraded | down | paused | maintenance | unknown */
  readonly state: string;
  readonly sinceMs: number;
  /** In a maintenance window: `state` is what its checks say, and the window mutes its alerts. */
  readonly isInMaintenance?: boolean | undefined;
  readonly isFlapping: boolean;
  readonly certDaysLeft?: number | undefined;
  /** The last failure's words: `expected status == 200, got 503`. */
  readonly message?: string | undefined;
  /** The monitor's `labels:` from config (component, pool, team, severity, …). */
  readonly labels: Labels;
}

export interface CertExpiryDays {
  readonly warning: number;
  readonly critical: number;
}

/** The pipeline's two verbs, as monitor alerts use them. */
export interface AlertSink {
  fire(alert: Alert): void;
  resolve(fingerprint: string, endsAtMs?: number): void;
  /** After a restart, until every source has reported: alerts receivers were told fire, not re-fired yet. */
  toldUnreported?(): readonly Alert[];
}

/**
 * Turns monitor states into alerts by reconciling, not by replaying events: after each result the monitor's
 * wanted alerts are computed from its state and compared with the ones it has. A restart (state restored
 * with its `since`) therefore re-creates the same alerts with the same start, and the notification log
 * recognises them. While a monitor flaps only the flapping alert stands — its down/up churn stays quiet.
 * A pause says nothing of the target, so what the monitor said before it, and raised, stands (no "resolved" a
 * receiver would take for a recovery) until it is resumed and checked, or removed. In a maintenance window its
 * checks go on: what they want fires, muted by the window as by a silence, and nothing resolves until the
 * window ends: checks that fail and pass by design during the work must not page, a recovery then is news.
 */
export class MonitorAlerts {
  readonly #sink: AlertSink;
  readonly #certDays: CertExpiryDays;
  readonly #active = new Map<string, Map<string, Alert>>();

  constructor(sink: AlertSink, certDays: CertExpiryDays) {
    this.#sink = sink;
    this.#certDays = certDays;
  }

  update(monitor: MonitorSignal, nowMs: number): void {
    // A state that says nothing of the target: what the monitor raised stands.
    if (monitor.state === 'paused' || monitor.state === 'maintenance') return;
    const active = this.#active.get(monitor.id) ?? new Map<string, Alert>();
    if (monitor.isInMaintenance) this.#adoptTold(monitor.id, active);
    const wanted = new Map(this.#wanted(monitor, active, nowMs).map((alert) => [alert.fingerprint, alert]));
    const kept = monitor.isInMaintenance ? new Map([...active, ...wanted]) : wanted;
    for (const [fingerprint] of active) {
      if (!kept.has(fingerprint)) this.#sink.resolve(fingerprint, nowMs);
    }
    for (const alert of wanted.values()) this.#sink.fire(alert);
    if (kept.size > 0) this.#active.set(monitor.id, kept);
    else this.#active.delete(monitor.id);
  }

  /** After a reload: monitors no longer configured resolve their alerts. */
  retain(ids: ReadonlySet<string>, nowMs: number): void {
    for (const [id, alerts] of this.#active) {
      if (ids.has(id)) continue;
      for (const fingerprint of alerts.keys()) this.#sink.resolve(fingerprint, nowMs);
      this.#active.delete(id);
    }
  }

  /**
   * After a restart, what the monitor raised before a window it recovered in: no check re-creates it, yet it
   * stands until the window ends like the rest (else the grace period would resolve it within the window).
   */
  #adoptTold(monitorId: string, active: Map<string, Alert>): void {
    for (const alert of this.#sink.toldUnreported?.() ?? []) {
      const isOwn = alert.labels['source'] === 'monitor' && alert.labels['monitor'] === monitorId;
      if (!isOwn || active.has(alert.fingerprint)) continue;
      active.set(alert.fingerprint, alert);
      this.#sink.fire(alert);
    }
  }

  #wanted(monitor: MonitorSignal, active: ReadonlyMap<string, Alert>, nowMs: number): Alert[] {
    return this.#fresh(monitor, nowMs).map((alert) => {
      // An alert still standing keeps its start: flapping and certificate alerts have no state `since`, and a
      // monitor resumed after a pause is down `since` the resume, yet it is the episode receivers were told.
      const startedMs = active.get(alert.fingerprint)?.startsAtMs;
      return startedMs === undefined ? alert : { ...alert, startsAtMs: startedMs };
    });
  }

  #fresh(monitor: MonitorSignal, nowMs: number): Alert[] {
    const wanted: Alert[] = [];
    if (monitor.isFlapping) {
      wanted.push(this.#alert(monitor, 'monitor-flapping', 'warning', `${monitor.name} is flapping`, nowMs));
    } else if (monitor.state === 'down') {
      const why = monitor.message ? `: ${monitor.message}` : '';
      const severity = monitor.labels['severity'] ?? 'critical';
      wanted.push(
        this.#alert(monitor, 'monitor-down', severity, `${monitor.name} is down${why}`, monitor.sinceMs),
      );
    } else if (monitor.state === 'degraded') {
      const summary = `${monitor.name} is degraded${monitor.message ? `: ${monitor.message}` : ''}`;
      wanted.push(this.#alert(monitor, 'monitor-degraded', 'warning', summary, monitor.sinceMs));
    }
    const daysLeft = monitor.certDaysLeft;
    if (daysLeft !== undefined && daysLeft < this.#certDays.warning) {
      const severity = daysLeft < this.#certDays.critical ? 'critical' : 'warning';
      const summary = `${monitor.name}: certificate expires in ${daysLeft} days`;
      wanted.push(this.#alert(monitor, 'cert-expiry', severity, summary, nowMs));
    }
    return wanted;
  }

  #alert(
    monitor: MonitorSignal,
    alertname: string,
    severity: string,
    summary: string,
    startMs: number,
  ): Alert {
    const labels = { ...monitor.labels, alertname, monitor: monitor.id, severity, source: 'monitor' };
    return firingAlert(labels, { summary }, startMs);
  }
}
