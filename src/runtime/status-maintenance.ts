import { newStatusId as newId } from '../status/ids.ts';
import type { Logger } from '../observability/index.ts';
import { maintenanceUpdate, transitionMaintenance } from '../services/maintenances.ts';
import { leavesNamed, leavesTouchedBy } from '../status/coverage.ts';
import { isActiveMaintenance, type ComponentDef, type Maintenance } from '../status/model.ts';
import { dueTransition } from '../status/schedule/maintenance-transitions.ts';
import { occurrenceAt, nextOccurrenceStartMs } from '../status/schedule/recurrence.ts';
import type { StatusHost } from './status-host.ts';

interface Effects {
  readonly setMonitorMaintenance: (id: string, isOn: boolean) => void;
  readonly drain: (target: string, isDrained: boolean) => void;
  readonly logger: Logger;
}

/**
 * Makes maintenance windows happen: moves them at their start and end, keeps one occurrence of each recurring
 * window scheduled, and while a window is open puts its components' monitors in maintenance (their time is
 * excluded from uptime, their alerts muted) and drains the endpoints it lists. Effects are reconciled against
 * what is open, so a restart or a cancelled window ends them as surely as the clock does.
 */
export class MaintenanceRunner {
  readonly #host: StatusHost;
  readonly #effects: Effects;
  #monitorsInMaintenance = new Set<string>();
  #drained = new Set<string>();

  constructor(host: StatusHost, effects: Effects) {
    this.#host = host;
    this.#effects = effects;
  }

  /**
   * Leaf components in an open window. By the stored status, not the clock: the page then never shows a
   * component in maintenance before the window itself is in progress (the tick moves it within a second).
   */
  componentsInMaintenance(): Set<string> {
    return leavesInMaintenance(this.#host.page.components, this.#host.book.maintenances());
  }

  /**
   * The maintenance muting an alert with these labels now, if any: one in force that covers a component
   * the alert is about, or drains an endpoint of its pool.
   */
  mutingOf(labels: Readonly<Record<string, string>>): string | undefined {
    const defs = this.#host.page.components;
    const touched = new Set(leavesTouchedBy(defs, labels).map((d) => d.id));
    const pool = labels['pool'];
    const nowMs = this.#host.nowMs();
    const muting = this.#host.book
      .maintenances()
      .filter((m) => isInForce(m, nowMs))
      .find(
        (m) =>
          leavesNamed(defs, m.componentIds).some((d) => touched.has(d.id)) ||
          (pool !== undefined && m.drain.some((target) => target.startsWith(`${pool}/`))),
      );
    return muting?.id;
  }

  /** After a change to the windows or the config: schedule recurrences, then reconcile the effects. */
  async apply(): Promise<void> {
    await this.#scheduleRecurring();
    this.#reconcile();
  }

  /** Every second: due transitions, then effects. */
  async tick(): Promise<void> {
    const nowMs = this.#host.nowMs();
    let moved = false;
    for (const m of this.#host.book.maintenances()) {
      const due = dueTransition(m, nowMs);
      if (!due) continue;
      await transitionMaintenance(this.#host.deps, m.id, due);
      moved = true;
    }
    if (moved) await this.apply();
  }

  async #scheduleRecurring(): Promise<void> {
    const { page } = this.#host;
    const nowMs = this.#host.nowMs();
    for (const window of page.recurringMaintenance) {
      const open = this.#host.book
        .maintenances()
        .some((m) => m.seriesId === window.id && m.status !== 'completed');
      if (open) continue;
      const current = occurrenceAt(window.recurrence, window.durationMs, nowMs, page.timeZone);
      let startMs = current?.startMs ?? nextOccurrenceStartMs(window.recurrence, nowMs, page.timeZone);
      // A cancelled occurrence is passed over: the one after it is scheduled as usual.
      while (startMs !== undefined && this.#host.book.isSkipped(window.id, startMs))
        startMs = nextOccurrenceStartMs(window.recurrence, startMs, page.timeZone);
      if (startMs === undefined) continue;
      const done = this.#host.book
        .maintenances()
        .some((m) => m.seriesId === window.id && m.scheduledForMs === startMs);
      if (done) continue;
      const body = window.body ?? `Recurring maintenance: ${window.name}.`;
      const update = maintenanceUpdate(newId(), 'scheduled', body, nowMs);
      const occurrence: Maintenance = {
        id: newId(),
        name: window.name,
        status: 'scheduled',
        createdAtMs: nowMs,
        updatedAtMs: nowMs,
        scheduledForMs: startMs,
        scheduledUntilMs: startMs + window.durationMs,
        startedAtMs: null,
        completedAtMs: null,
        componentIds: window.componentIds,
        drain: window.drain,
        autoTransition: true,
        updates: [update],
        seriesId: window.id,
      };
      await this.#host.book.putMaintenance(occurrence);
      await this.#host.tellSubscribers({ kind: 'maintenance', maintenance: occurrence, update, isNew: true });
    }
  }

  #reconcile(): void {
    const open = this.#host.book.maintenances().filter(isActiveMaintenance);
    const monitors = monitorsInMaintenance(this.#host.page.components, open);
    const drains = new Set(open.flatMap((m) => m.drain));
    for (const id of monitors)
      if (!this.#monitorsInMaintenance.has(id)) this.#effects.setMonitorMaintenance(id, true);
    for (const id of this.#monitorsInMaintenance)
      if (!monitors.has(id)) this.#effects.setMonitorMaintenance(id, false);
    for (const target of drains) if (!this.#drained.has(target)) this.#drain(target, true);
    for (const target of this.#drained) if (!drains.has(target)) this.#drain(target, false);
    this.#monitorsInMaintenance = monitors;
    this.#drained = drains;
  }

  #drain(target: string, isDrained: boolean): void {
    try {
      this.#effects.drain(target, isDrained);
      this.#effects.logger.info(
        { event: isDrained ? 'maintenance-drain' : 'maintenance-undrain', endpoint: target },
        isDrained ? 'endpoint drained for maintenance' : 'endpoint back from maintenance',
      );
    } catch (error) {
      this.#effects.logger.warn(
        { event: 'maintenance-drain-failed', endpoint: target, err: error },
        'could not change an endpoint for maintenance',
      );
    }
  }
}

/** Leaf components in an open window, by the windows' stored status. */
function leavesInMaintenance(defs: readonly ComponentDef[], windows: readonly Maintenance[]): Set<string> {
  const open = windows.filter(isActiveMaintenance);
  return new Set(open.flatMap((m) => leavesNamed(defs, m.componentIds).map((d) => d.id)));
}

/**
 * The monitors of the components in an open window. Monitoring reads them from the store at its start, as the
 * runner will find them: results before the page has started are then stored in maintenance too.
 */
export function monitorsInMaintenance(
  defs: readonly ComponentDef[],
  windows: readonly Maintenance[],
): Set<string> {
  const components = leavesInMaintenance(defs, windows);
  return new Set(defs.filter((c) => components.has(c.id)).flatMap((c) => c.monitors));
}

/**
 * In progress by the clock, not only by the stored status: the tick moves a window within a second, but after a
 * start alerting flushes before the first tick, and a window that began while Bulwark was down must mute it.
 */
function isInForce(m: Maintenance, nowMs: number): boolean {
  const due = dueTransition(m, nowMs);
  return due === undefined ? isActiveMaintenance(m) : due.status === 'in_progress';
}
