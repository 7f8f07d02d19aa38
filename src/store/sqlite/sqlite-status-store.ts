import type { Kysely } from 'kysely';
import type { Incident, Maintenance } from '../../status/model.ts';
import type {
  ComponentRecord,
  SkippedOccurrence,
  StatusStore,
  Subscriber,
} from '../../status/status-store.ts';
import type { Schema } from '../schema.ts';

type Kind = 'incident' | 'maintenance' | 'skip' | 'component' | 'subscriber' | 'page';

/** The page's own document (kind 'page', id 'removal'): when something last left it. */
interface PageRemoval {
  readonly atMs: number;
}

/**
 * StatusStore on Kysely: documents as JSON text in status_documents, dialect-neutral. It borrows the handle
 * openSqlite returned and does not close it. Each write is one statement, durable when it resolves.
 */
export class SqliteStatusStore implements StatusStore {
  readonly #db: Kysely<Schema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  incidents = (): Promise<Incident[]> => this.#all<Incident>('incident');
  putIncident = (incident: Incident): Promise<void> =>
    this.#put('incident', incident.id, incident.createdAtMs, incident);
  deleteIncident = (id: string): Promise<void> => this.#delete('incident', id);

  maintenances = (): Promise<Maintenance[]> => this.#all<Maintenance>('maintenance');
  putMaintenance = (m: Maintenance): Promise<void> => this.#put('maintenance', m.id, m.createdAtMs, m);
  deleteMaintenance = (id: string): Promise<void> => this.#delete('maintenance', id);

  skippedOccurrences = (): Promise<SkippedOccurrence[]> => this.#all<SkippedOccurrence>('skip');
  putSkippedOccurrence = (s: SkippedOccurrence): Promise<void> =>
    this.#put('skip', `${s.seriesId}@${s.startMs}`, s.skippedAtMs, s);

  componentRecords = (): Promise<ComponentRecord[]> => this.#all<ComponentRecord>('component');
  putComponentRecord = (r: ComponentRecord): Promise<void> => this.#put('component', r.id, r.createdAtMs, r);

  subscribers = (): Promise<Subscriber[]> => this.#all<Subscriber>('subscriber');
  putSubscriber = (s: Subscriber): Promise<void> => this.#put('subscriber', s.id, s.createdAtMs, s);
  deleteSubscriber = (id: string): Promise<void> => this.#delete('subscriber', id);

  async pageRemovedAtMs(): Promise<number> {
    const [removal] = await this.#all<PageRemoval>('page');
    return removal?.atMs ?? 0;
  }

  putPageRemovedAt = (atMs: number): Promise<void> => this.#put('page', 'removal', atMs, { atMs });

  /** Oldest first (then by id), so callers see a stable order. */
  async #all<T>(kind: Kind): Promise<T[]> {
    const rows = await this.#db
      .selectFrom('status_documents')
      .select('body')
      .where('kind', '=', kind)
      .orderBy('created_ms')
      .orderBy('id')
      .execute();
    return rows.map((r) => JSON.parse(r.body) as T);
  }

  async #put(kind: Kind, id: string, createdMs: number, document: object): Promise<void> {
    const body = JSON.stringify(document);
    await this.#db
      .insertInto('status_documents')
      .values({ kind, id, created_ms: createdMs, body })
      .onConflict((oc) => oc.columns(['kind', 'id']).doUpdateSet({ body, created_ms: createdMs }))
      .execute();
  }

  async #delete(kind: Kind, id: string): Promise<void> {
    await this.#db.deleteFrom('status_documents').where('kind', '=', kind).where('id', '=', id).execute();
  }
}
