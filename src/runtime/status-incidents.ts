import { firingAlert, type Alert } from '../alerting/alert.ts';
import type { Logger } from '../observability/index.ts';
import { deleteIncident, openDraftIncident } from '../services/incidents.ts';
import { leavesTouchedBy } from '../status/coverage.ts';
import type { LiveComponent } from '../status/live-components.ts';
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

/** The statuses a draft proposes, worst first, as the page's readers would put them. */
const impairments = [
  { status: 'major_outage', title: 'major outage', body: 'a major outage' },
  { status: 'partial_outage', title: 'partial outage', body: 'a partial outage' },
  { status: 'degraded_performance', title: 'degraded performance', body: 'degraded performance' },
] as const satisfies readonly { status: ComponentStatus; title: string; body: string }[];

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
    if (alert.status === 'resolved') return this.#withdrawDraftsOf(alert);
    if (alert.labels['severity'] !== 'critical') return;
    if (alert.labels['alertname'] === reminderName) return;
    // Statuses first: a pool's alert can arrive before the host's next look at the pools.
    this.#host.recompute();
    const touched = new Set(leavesTouchedBy(this.#host.page.components, alert.labels).map((d) => d.id));
    const live = this.#host.live().filter((c) => touched.has(c.def.id));
    if (live.length === 0) return;
    const nowMs = this.#host.nowMs();
    const ids = new Set(live.map((c) => c.def.id));
    // One incident per outage: an open one for any of these components already speaks.
    if (this.#host.book.incidents().some((i) => speaksFor(i, alert, ids, nowMs))) return;
    const { isPublishable, ...draft } = draftFor(live);
    const incident = await openDraftIncident(this.#host.deps, {
      ...draft,
      alertFingerprint: alert.fingerprint,
      startedAtMs: alert.startsAtMs,
      publish: isPublishable && this.#host.page.autoPublish,
    });
    this.#options.logger.info(
      {
        event: incident.isDraft ? 'incident-draft-opened' : 'incident-opened',
        incident: incident.id,
        alert: alert.fingerprint,
        alertname: alert.labels['alertname'],
        // The alert's detail (addresses, check errors) stays with operators: here and on the alert itself.
        summary: alert.annotations['summary'],
      },
      incident.isDraft ? 'a draft incident awaits publishing' : 'an incident was opened from an alert',
    );
  }

  /**
   * The alert that opened a draft resolved before anyone published it: the draft would announce an outage
   * that is over, so an untouched one is withdrawn (incident.io declines an untriaged alert that resolves).
   * A draft someone edited is theirs and stays.
   */
  async #withdrawDraftsOf(alert: Alert): Promise<void> {
    const untouched = this.#host.book
      .incidents()
      .filter(
        (i) =>
          i.isDraft &&
          isUnresolved(i) &&
          i.alertFingerprint === alert.fingerprint &&
          i.startedAtMs === alert.startsAtMs &&
          i.updatedAtMs === i.createdAtMs,
      );
    for (const draft of untouched) {
      await deleteIncident(this.#host.deps, draft.id);
      this.#options.logger.info(
        { event: 'incident-draft-withdrawn', incident: draft.id, alert: alert.fingerprint },
        'the alert behind a draft incident resolved before it was published; the draft is withdrawn',
      );
    }
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
 * What a draft says, in words for the page's readers: only what the page already shows, never the alert's
 * detail (its summary names addresses, ports and check errors). It proposes for each component the status
 * the monitors and pools give it now; when the alert leaves them all operational (a certificate close to
 * expiry, an error-rate rule) it proposes none and is never published on its own: a person judges it.
 */
function draftFor(live: readonly LiveComponent[]): {
  name: string;
  body: string;
  componentIds: string[];
  componentStatuses: Record<string, ComponentStatus>;
  isPublishable: boolean;
} {
  const worst = impairments.find((i) => live.some((c) => c.status === i.status));
  if (!worst) {
    const names = live.map((c) => c.def.name).join(', ');
    return {
      name: `${names}: investigating`,
      body: `We are investigating a possible issue affecting ${names}.`,
      componentIds: live.map((c) => c.def.id),
      componentStatuses: {},
      isPublishable: false,
    };
  }
  const impaired = live.filter((c) => impairments.some((i) => i.status === c.status));
  const names = impaired.map((c) => c.def.name).join(', ');
  return {
    name: `${names}: ${worst.title}`,
    body: `We are investigating ${worst.body} of ${names}.`,
    componentIds: impaired.map((c) => c.def.id),
    componentStatuses: Object.fromEntries(impaired.map((c) => [c.def.id, c.status])),
    isPublishable: true,
  };
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
