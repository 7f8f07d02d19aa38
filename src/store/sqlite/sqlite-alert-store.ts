import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type {
  Ack,
  AlertStore,
  NotificationLogEntry,
  OutboxEntry,
  OutboxState,
  Silence,
} from '../../alerting/alert-store.ts';
import type { OutboxMessage } from '../../alerting/notification.ts';
import type { AlertOutboxTable, Schema } from '../schema.ts';
import {
  fromLogRow,
  fromOutboxRow,
  fromSilenceRow,
  toLogRow,
  toOutboxRow,
  toSilenceRow,
} from './alert-rows.ts';

// 200 rows × 11 columns = 2,200 bound parameters per statement: far under SQLite's and PostgreSQL's limits.
const rowsPerInsert = 200;

/**
 * AlertStore on Kysely, dialect-neutral like the other stores. It borrows the handle openSqlite returned and
 * does not close it. Every write is its own statement or transaction, so it is durable when it resolves:
 * alert volume is low, and a notification decided but not yet stored would be lost by a crash.
 */
export class SqliteAlertStore implements AlertStore {
  readonly #db: Kysely<Schema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async enqueue(notifications: readonly OutboxMessage[]): Promise<void> {
    if (notifications.length === 0) return;
    await this.#db.transaction().execute(async (trx) => {
      // Inside the transaction, so concurrent enqueues on SQLite cannot take the same numbers.
      const { top } = await trx
        .selectFrom('alert_outbox')
        .select((eb) => eb.fn.coalesce(eb.fn.max('seq'), eb.lit(0)).as('top'))
        .executeTakeFirstOrThrow();
      const firstSeq = Number(top) + 1;
      for (let start = 0; start < notifications.length; start += rowsPerInsert) {
        const rows = notifications
          .slice(start, start + rowsPerInsert)
          .map((n, i) => toOutboxRow(n, firstSeq + start + i));
        await trx
          .insertInto('alert_outbox')
          .values(rows)
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
      }
    });
  }

  async dueEntries(nowMs: number, limit: number): Promise<OutboxEntry[]> {
    const heads = this.#db
      .selectFrom('alert_outbox as o')
      .selectAll('o')
      .select(
        sql<number>`row_number() over (partition by o.notifier order by o.created_ms, o.seq)`.as('rank'),
      )
      .where('o.state', '=', 'pending')
      .where('o.next_attempt_ms', '<=', nowMs)
      .where(isGroupHead);
    const rows = await this.#db
      .selectFrom(heads.as('h'))
      .selectAll('h')
      .where('h.rank', '<=', maxDuePerNotifier)
      .orderBy('h.created_ms')
      .orderBy('h.seq')
      .limit(limit)
      .execute();
    return rows.map(fromOutboxRow);
  }

  async nextDueAtMs(): Promise<number | undefined> {
    const row = await this.#db
      .selectFrom('alert_outbox as o')
      .select((eb) => eb.fn.min('o.next_attempt_ms').as('due'))
      .where('o.state', '=', 'pending')
      .where(isGroupHead)
      .executeTakeFirst();
    return row?.due == null ? undefined : Number(row.due);
  }

  async markDelivered(id: string, atMs: number): Promise<void> {
    await this.#db
      .updateTable('alert_outbox')
      .set((eb) => ({ state: 'delivered', attempts: eb('attempts', '+', 1), finished_ms: atMs }))
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .execute();
  }

  async markRetry(id: string, nextAttemptAtMs: number, error: string): Promise<void> {
    await this.#db
      .updateTable('alert_outbox')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        next_attempt_ms: nextAttemptAtMs,
        last_error: error,
      }))
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .execute();
  }

  async markDead(id: string, atMs: number, error: string, options: { readonly attempted: boolean }) {
    await this.#db
      .updateTable('alert_outbox')
      .set((eb) => ({
        state: 'dead',
        attempts: eb('attempts', '+', options.attempted ? 1 : 0),
        last_error: error,
        finished_ms: atMs,
      }))
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .execute();
  }

  async listOutbox(filter: { state?: OutboxState; limit: number }): Promise<OutboxEntry[]> {
    let query = this.#db
      .selectFrom('alert_outbox')
      .selectAll()
      .orderBy('created_ms', 'desc')
      .orderBy('seq', 'desc')
      .limit(filter.limit);
    if (filter.state !== undefined) query = query.where('state', '=', filter.state);
    return (await query.execute()).map(fromOutboxRow);
  }

  async pruneOutboxBefore(ms: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('alert_outbox')
      .where('state', '<>', 'pending')
      .where('finished_ms', '<', ms)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async outboxCounts(): Promise<Record<OutboxState, number>> {
    const rows = await this.#db
      .selectFrom('alert_outbox')
      .select((eb) => ['state', eb.fn.countAll().as('count')])
      .groupBy('state')
      .execute();
    const counts: Record<OutboxState, number> = { pending: 0, delivered: 0, dead: 0 };
    for (const row of rows) counts[row.state as OutboxState] = Number(row.count);
    return counts;
  }

  async notificationLog(receiver: string, groupKey: string): Promise<NotificationLogEntry | undefined> {
    const row = await this.#db
      .selectFrom('alert_notification_log')
      .selectAll()
      .where('receiver', '=', receiver)
      .where('group_key', '=', groupKey)
      .executeTakeFirst();
    return row === undefined ? undefined : fromLogRow(row);
  }

  async allNotificationLogs(): Promise<NotificationLogEntry[]> {
    const rows = await this.#db
      .selectFrom('alert_notification_log')
      .selectAll()
      .orderBy('receiver')
      .orderBy('group_key')
      .execute();
    return rows.map(fromLogRow);
  }

  async putNotificationLog(entry: NotificationLogEntry): Promise<void> {
    await this.#db
      .insertInto('alert_notification_log')
      .values(toLogRow(entry))
      .onConflict((oc) =>
        oc.columns(['receiver', 'group_key']).doUpdateSet((eb) => ({
          firing: eb.ref('excluded.firing'),
          resolved: eb.ref('excluded.resolved'),
          firing_alerts: eb.ref('excluded.firing_alerts'),
          muted: eb.ref('excluded.muted'),
          at_ms: eb.ref('excluded.at_ms'),
        })),
      )
      .execute();
  }

  async pruneNotificationLogBefore(ms: number): Promise<number> {
    // This store writes `firing` with JSON.stringify, so an empty set is exactly '[]'.
    const result = await this.#db
      .deleteFrom('alert_notification_log')
      .where('at_ms', '<', ms)
      .where('firing', '=', '[]')
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async putSilence(silence: Silence): Promise<void> {
    const row = toSilenceRow(silence);
    await this.#db
      .insertInto('alert_silences')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          matchers: row.matchers,
          starts_ms: row.starts_ms,
          ends_ms: row.ends_ms,
          created_by: row.created_by,
          comment: row.comment,
          updated_ms: row.updated_ms,
        }),
      )
      .execute();
  }

  async listSilences(sinceMs: number): Promise<Silence[]> {
    const rows = await this.#db
      .selectFrom('alert_silences')
      .selectAll()
      .where('ends_ms', '>', sinceMs)
      .orderBy('starts_ms')
      .orderBy('id')
      .execute();
    return rows.map(fromSilenceRow);
  }

  async getSilence(id: string): Promise<Silence | undefined> {
    const row = await this.#db
      .selectFrom('alert_silences')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : fromSilenceRow(row);
  }

  async putAck(ack: Ack): Promise<void> {
    const row = {
      fingerprint: ack.fingerprint,
      episode_start_ms: ack.episodeStartMs,
      acked_by: ack.by,
      at_ms: ack.atMs,
      labels: JSON.stringify(ack.labels),
    };
    await this.#db
      .insertInto('alert_acks')
      .values(row)
      .onConflict((oc) => oc.column('fingerprint').doUpdateSet({ ...row }))
      .execute();
  }

  async listAcks(): Promise<Ack[]> {
    const rows = await this.#db.selectFrom('alert_acks').selectAll().orderBy('fingerprint').execute();
    return rows.map((row) => ({
      fingerprint: row.fingerprint,
      episodeStartMs: Number(row.episode_start_ms),
      by: row.acked_by,
      atMs: Number(row.at_ms),
      labels: JSON.parse(row.labels) as Ack['labels'],
    }));
  }

  async deleteAck(fingerprint: string): Promise<void> {
    await this.#db.deleteFrom('alert_acks').where('fingerprint', '=', fingerprint).execute();
  }
}

// True when no older entry of the same (notifier, group) is still pending: a group goes out in order.
/**
 * A notifier sends one message at a time, so more of its due entries per read buy nothing, while a backlog
 * on one (a status page's mail to thousands of subscribers, one group each) would fill every read and hold
 * back the pages of every other notifier until it drained.
 */
const maxDuePerNotifier = 20;

function isGroupHead(eb: ExpressionBuilder<Schema & { o: AlertOutboxTable }, 'o'>) {
  return eb.not(
    eb.exists(
      eb
        .selectFrom('alert_outbox as p')
        .select('p.id')
        .where('p.state', '=', 'pending')
        .whereRef('p.notifier', '=', 'o.notifier')
        .whereRef('p.group_key', '=', 'o.group_key')
        .where((inner) =>
          inner.or([
            inner('p.created_ms', '<', inner.ref('o.created_ms')),
            inner.and([
              inner('p.created_ms', '=', inner.ref('o.created_ms')),
              inner('p.seq', '<', inner.ref('o.seq')),
            ]),
          ]),
        ),
    ),
  );
}
