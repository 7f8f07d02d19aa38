import { firingAlert, type Alert } from '../alerting/alert.ts';
import type { Logger } from '../observability/index.ts';
import { openDraftIncident } from '../services/incidents.ts';
import { groupStatus } from '../status/component-status.ts';
import { leavesTouchedBy } from '../status/coverage.ts';
import { isUnresolved, type ComponentStatus, type Incident } from '../status/model.ts';
import type { StatusHost } from './status-host.ts';

interface AlertSink {
  fire(alert: Alert): void;
  resolve(fingerprint: string): void;
}

const reminderName = 'incident-update-due';
// Long enough for the alerts of one outage to arrive (a pool rule waits out its `for:`), short enough that a
// draft nobody acted on does not swallow the next outage.
const draftStaleAfterMs = 60 * 60_000;
const statusWords: Readonly<Record<ComponentStatus, string>> = {
  operational: 'operational',
  degraded_performance: 'degraded performance',
  partial_outage: 'partial outage',
  major_outage: 'major outage',
  under_maintenance: 'under maintenance',
};

/**
 * The incident side of alerting: a critical alert on a component opens a draft incident (published at once
 * with status_page.auto_publish), and an incident whose "next update by" has passed raises a reminder alert
 * on the alert route until someone posts an update.
 */
export class IncidentWatch {
  readonly #host: StatusHost;
  readonly #options: { readonly alertSink: () => AlertSink | undefined; readonly logger: Logger };
  readonly #reminding = new Map<string, string>();

  constructor(
    host: StatusHost,
    options: { readonly alertSink: () => AlertSink | undefined; readonly logger: Logger },
  ) {
    this.#host = host;
    this.#options = options;
  }

  async alertChanged(alert: Alert): Promise<void> {
    if (alert.status !== 'firing' || alert.labels['severity'] !== 'critical') return;
    if (alert.labels['alertname'] === reminderName) return;
    const touched = new Set(leavesTouchedBy(this.#host.page.components, alert.labels).map((d) => d.id));
    const live = this.#host.live().filter((c) => touched.has(c.def.id));
    if (live.length === 0) return;
    const nowMs = this.#host.nowMs();
    const ids = new Set(live.map((c) => c.def.id));
    // One incident per outage: an open one for any of these components already speaks.
    if (this.#host.book.incidents().some((i) => speaksFor(i, alert, ids, nowMs))) return;
    const componentStatuses = Object.fromEntries(
      live.map((c) => [c.def.id, c.status === 'operational' ? 'major_outage' : c.status] as const),
    );
    // The worst of them names the draft, ranked as a group ranks its children.
    const worst = groupStatus(Object.values(componentStatuses));
    const names = live.map((c) => c.def.name).join(', ');
    const incident = await openDraftIncident(this.#host.deps, {
      name: `${names}: ${statusWords[worst]}`,
      body: `We are investigating ${statusWords[worst]} of ${names}. ${alert.annotations['summary'] ?? ''}`.trim(),
      componentStatuses,
      alertFingerprint: alert.fingerprint,
      startedAtMs: alert.startsAtMs,
      publish: this.#host.page.autoPublish,
    });
    this.#options.logger.info(
      {
        event: incident.isDraft ? 'incident-draft-opened' : 'incident-opened',
        incident: incident.id,
        alert: alert.fingerprint,
      },
      incident.isDraft ? 'a draft incident awaits publishing' : 'an incident was opened from an alert',
    );
  }

  /** Raises or clears the "next update due" reminder of each published, unresolved incident. */
  tick(): void {
    const sink = this.#options.alertSink();
    if (!sink) return;
    const nowMs = this.#host.nowMs();
    const due = new Set<string>();
    for (const incident of this.#host.book.incidents()) {
      if (incident.isDraft || !isUnresolved(incident)) continue;
      const nextByMs = incident.updates[0]?.nextUpdateByMs;
      if (nextByMs === null || nextByMs === undefined || nextByMs > nowMs) continue;
      due.add(incident.id);
      if (this.#reminding.has(incident.id)) continue;
      const reminder = firingAlert(
        {
          alertname: reminderName,
          incident: incident.id,
          severity: 'warning',
          ...(incident.componentIds[0] ? { component: incident.componentIds[0] } : {}),
        },
        {
          summary: `Incident "${incident.name}" is due an update (promised by ${new Date(nextByMs).toISOString()})`,
        },
        nextByMs,
      );
      sink.fire(reminder);
      this.#reminding.set(incident.id, reminder.fingerprint);
    }
    for (const [id, fingerprint] of this.#reminding)
      if (!due.has(id)) {
        sink.resolve(fingerprint);
        this.#reminding.delete(id);
      }
  }
}

/**
 * Whether an open incident already speaks for this alert's outage: a published one covering its components or
 * opened by it does. A draft stands for the alert episode that opened it: the same alert firing anew (a later
 * start) is another outage, and a draft left untouched for draftStaleAfterMs no longer holds back others.
 */
function speaksFor(
  incident: Incident,
  alert: Alert,
  componentIds: ReadonlySet<string>,
  nowMs: number,
): boolean {
  if (!isUnresolved(incident)) return false;
  const covers = incident.componentIds.some((id) => componentIds.has(id));
  if (!incident.isDraft) return covers || incident.alertFingerprint === alert.fingerprint;
  if (incident.alertFingerprint === alert.fingerprint) return incident.startedAtMs >= alert.startsAtMs;
  return covers && nowMs - incident.updatedAtMs < draftStaleAfterMs;
}
