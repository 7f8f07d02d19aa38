import type { Incident, Maintenance } from './model.ts';
import type { ComponentRecord, StatusStore, Subscriber } from './status-store.ts';

/**
 * The status page's documents in memory, written through to the store: the page is rebuilt from here on
 * every change and never reads the database per request. A write lands in memory only after the store
 * accepted it, so what the page shows is always what a restart would show.
 */
export class StatusBook {
  readonly #store: StatusStore;
  readonly #incidents = new Map<string, Incident>();
  readonly #maintenances = new Map<string, Maintenance>();
  readonly #skipped = new Set<string>();
  readonly #records = new Map<string, ComponentRecord>();
  readonly #subscribers = new Map<string, Subscriber>();
  #changedAtMs = 0;

  private constructor(store: StatusStore) {
    this.#store = store;
  }

  static async load(store: StatusStore): Promise<StatusBook> {
    const book = new StatusBook(store);
    for (const i of await store.incidents()) book.#incidents.set(i.id, i);
    for (const o of await store.skippedOccurrences()) book.#skipped.add(occurrenceKey(o.seriesId, o.startMs));
    for (const m of await store.maintenances()) {
      // skipOccurrence records the skip, then deletes: a stop between the two left a cancelled occurrence.
      if (m.status === 'scheduled' && m.seriesId !== null && book.isSkipped(m.seriesId, m.scheduledForMs))
        await store.deleteMaintenance(m.id);
      else book.#maintenances.set(m.id, m);
    }
    for (const r of await store.componentRecords()) book.#records.set(r.id, r);
    for (const s of await store.subscribers()) book.#subscribers.set(s.id, s);
    const published = [...book.#incidents.values()].filter((i) => !i.isDraft);
    for (const d of [...published, ...book.#maintenances.values(), ...book.#records.values()])
      book.#changed(d.updatedAtMs);
    book.#changed(await store.pageRemovedAtMs());
    return book;
  }

  /**
   * When the public page last changed: raised by every write it shows and by every removal, never lowered
   * (the newest remaining document is older than a deletion). Removals are stored with their time, so this
   * holds across restarts too.
   */
  changedAtMs(): number {
    return this.#changedAtMs;
  }

  #changed(atMs: number): void {
    this.#changedAtMs = Math.max(this.#changedAtMs, atMs);
  }

  async #removed(atMs: number): Promise<void> {
    await this.#store.putPageRemovedAt(atMs);
    this.#changed(atMs);
  }

  /** Newest first by createdAt, drafts included. */
  incidents(): Incident[] {
    return [...this.#incidents.values()].sort((a, b) => b.createdAtMs - a.createdAtMs || cmp(b.id, a.id));
  }

  incident(id: string): Incident | undefined {
    return this.#incidents.get(id);
  }

  async putIncident(incident: Incident): Promise<void> {
    await this.#store.putIncident(incident);
    this.#incidents.set(incident.id, incident);
    if (!incident.isDraft) this.#changed(incident.updatedAtMs);
  }

  /** `atMs`: when it was deleted, the page's change time if it was public. */
  async deleteIncident(id: string, atMs: number): Promise<void> {
    await this.#store.deleteIncident(id);
    const gone = this.#incidents.get(id);
    this.#incidents.delete(id);
    if (gone && !gone.isDraft) await this.#removed(atMs);
  }

  /** Newest first by scheduledFor. */
  maintenances(): Maintenance[] {
    return [...this.#maintenances.values()].sort(
      (a, b) => b.scheduledForMs - a.scheduledForMs || cmp(b.id, a.id),
    );
  }

  maintenance(id: string): Maintenance | undefined {
    return this.#maintenances.get(id);
  }

  async putMaintenance(maintenance: Maintenance): Promise<void> {
    await this.#store.putMaintenance(maintenance);
    this.#maintenances.set(maintenance.id, maintenance);
    this.#changed(maintenance.updatedAtMs);
  }

  /** `atMs`: when it was deleted (cancelled before it began), the page's change time. */
  async deleteMaintenance(id: string, atMs: number): Promise<void> {
    await this.#store.deleteMaintenance(id);
    this.#maintenances.delete(id);
    await this.#removed(atMs);
  }

  /** Whether this occurrence of a recurring window was cancelled before it began. */
  isSkipped(seriesId: string, startMs: number): boolean {
    return this.#skipped.has(occurrenceKey(seriesId, startMs));
  }

  /**
   * Cancels an occurrence of a recurring window that has not begun: it leaves the page, and is remembered so
   * that the scheduler does not schedule it again (the next one is scheduled as usual).
   */
  async skipOccurrence(
    maintenance: Maintenance & { readonly seriesId: string },
    atMs: number,
  ): Promise<void> {
    const { seriesId, scheduledForMs: startMs } = maintenance;
    await this.#store.putSkippedOccurrence({ seriesId, startMs, skippedAtMs: atMs });
    this.#skipped.add(occurrenceKey(seriesId, startMs));
    await this.deleteMaintenance(maintenance.id, atMs);
  }

  record(id: string): ComponentRecord | undefined {
    return this.#records.get(id);
  }

  async putRecord(record: ComponentRecord): Promise<void> {
    await this.#store.putComponentRecord(record);
    this.#records.set(record.id, record);
    this.#changed(record.updatedAtMs);
  }

  subscribers(): Subscriber[] {
    return [...this.#subscribers.values()];
  }

  subscriberByToken(token: string): Subscriber | undefined {
    return this.subscribers().find((s) => s.token === token);
  }

  async putSubscriber(subscriber: Subscriber): Promise<void> {
    await this.#store.putSubscriber(subscriber);
    this.#subscribers.set(subscriber.id, subscriber);
  }

  async deleteSubscriber(id: string): Promise<void> {
    await this.#store.deleteSubscriber(id);
    this.#subscribers.delete(id);
  }
}

const occurrenceKey = (seriesId: string, startMs: number): string => `${seriesId}@${startMs}`;
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
