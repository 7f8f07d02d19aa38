import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ack, AlertStore, NotificationLogEntry, Silence } from './alert-store.ts';
import { firingAlert } from './alert.ts';
import { isPrepared, type Notification, type OutboxMessage, type PreparedMessage } from './notification.ts';

const t0 = 1_700_000_000_000;

function notification(id: string, overrides: Partial<Notification> = {}): Notification {
  const labels = { alertname: 'monitor-down', monitor: 'api', severity: 'critical' };
  return {
    id,
    receiver: 'team-chat',
    groupKey: 'route0:{monitor="api"}',
    status: 'firing',
    reason: 'first',
    groupLabels: { monitor: 'api' },
    commonLabels: labels,
    commonAnnotations: { summary: 'API is down' },
    alerts: [firingAlert(labels, { summary: 'API is down' }, t0 - 60_000)],
    severity: 'critical',
    links: { statusPage: 'https://status.example' },
    createdAtMs: t0,
    ...overrides,
  };
}

function silence(id: string, overrides: Partial<Silence> = {}): Silence {
  return {
    id,
    matchers: [{ name: 'monitor', value: 'api|web', isRegex: true, isEqual: true }],
    startsAtMs: t0,
    endsAtMs: t0 + 3_600_000,
    createdBy: 'ops@example.com',
    comment: 'maintenance',
    updatedAtMs: t0,
    ...overrides,
  };
}

function logEntry(groupKey: string, overrides: Partial<NotificationLogEntry> = {}): NotificationLogEntry {
  return {
    receiver: 'team-chat',
    groupKey,
    firingFingerprints: ['aaaa@1', 'bbbb@2'],
    resolvedFingerprints: [],
    firingAlerts: [],
    mutedFingerprints: [],
    atMs: t0,
    ...overrides,
  };
}

/** Every AlertStore implementation runs this suite; `open` must return an empty store. */
export function describeAlertStore(
  name: string,
  open: () => Promise<{ readonly store: AlertStore; readonly close: () => Promise<void> }>,
): void {
  describe(`AlertStore contract: ${name}`, () => {
    let store: AlertStore;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ store, close } = await open());
    });
    afterEach(async () => {
      await close();
    });

    describe('outbox', () => {
      it('stores a notification as a pending entry due at once, round-tripping the payload', async () => {
        const n = notification('n1');
        await store.enqueue([n]);
        const [entry] = await store.listOutbox({ limit: 10 });
        expect(entry).toStrictEqual({
          id: 'n1',
          notifier: 'team-chat',
          groupKey: n.groupKey,
          notification: n,
          state: 'pending',
          attempts: 0,
          createdAtMs: t0,
          nextAttemptAtMs: t0,
        });
        expect(await store.nextDueAtMs()).toBe(t0);
      });

      it('holds a prepared message beside notifications, in the same order and with its content', async () => {
        const prepared: PreparedMessage = {
          kind: 'prepared',
          id: 'p1',
          receiver: 'status-email',
          groupKey: 'sub1:incident1',
          createdAtMs: t0,
          summary: 'incident update: API errors',
          content: { to: 'ada@example.com', subject: 'API errors', lines: ['a', 'b'] },
        };
        await store.enqueue([prepared]);
        const [due] = await store.dueEntries(t0, 10);
        expect(due).toMatchObject({ id: 'p1', notifier: 'status-email', groupKey: 'sub1:incident1' });
        expect(due?.notification).toStrictEqual(prepared);
        expect(isPrepared(due?.notification ?? notification('x'))).toBe(true);
      });

      it('ignores an id it already holds (a replayed decision)', async () => {
        await store.enqueue([notification('n1')]);
        await store.markRetry('n1', t0 + 5_000, 'HTTP 503');
        await store.enqueue([
          notification('n1', { reason: 'repeat' }),
          notification('n2', { groupKey: 'g2' }),
        ]);
        const entries = await store.listOutbox({ limit: 10 });
        expect(entries.map((e) => [e.id, e.attempts, reasonOf(e.notification)])).toEqual([
          ['n2', 0, 'first'],
          ['n1', 1, 'first'],
        ]);
      });

      it('returns only due entries, oldest first', async () => {
        await store.enqueue([
          notification('late', { groupKey: 'g1', createdAtMs: t0 + 2_000 }),
          notification('early', { groupKey: 'g2', createdAtMs: t0 }),
          notification('mid', { groupKey: 'g3', createdAtMs: t0 + 1_000 }),
        ]);
        expect((await store.dueEntries(t0 + 1_000, 10)).map((e) => e.id)).toEqual(['early', 'mid']);
        expect((await store.dueEntries(t0 + 5_000, 2)).map((e) => e.id)).toEqual(['early', 'mid']);
        await store.markRetry('early', t0 + 9_000, 'HTTP 500');
        expect((await store.dueEntries(t0 + 5_000, 10)).map((e) => e.id)).toEqual(['mid', 'late']);
      });

      it("reads at most 20 entries of one notifier, so a backlog on one never hides another's page", async () => {
        const mail = Array.from({ length: 150 }, (_, i) =>
          notification(`mail-${i}`, {
            receiver: 'status:email',
            groupKey: `subscriber-${i}`,
            createdAtMs: t0 + i,
          }),
        );
        await store.enqueue([...mail, notification('page', { receiver: 'pager', createdAtMs: t0 + 500 })]);
        const due = (await store.dueEntries(t0 + 1_000, 100)).map((e) => e.id);
        expect(due).toEqual([...mail.slice(0, 20).map((m) => m.id), 'page']);
      });

      it('returns only the oldest pending entry of each (notifier, group)', async () => {
        await store.enqueue([
          notification('g1-firing', { groupKey: 'g1' }),
          // Same millisecond: enqueue order decides.
          notification('g1-resolved', { groupKey: 'g1', status: 'resolved' }),
          notification('g1-other-notifier', { groupKey: 'g1', receiver: 'pager' }),
          notification('g2', { groupKey: 'g2', createdAtMs: t0 + 1 }),
        ]);
        const due = await store.dueEntries(t0 + 10, 10);
        expect(due.map((e) => e.id)).toEqual(['g1-firing', 'g1-other-notifier', 'g2']);

        // A head waiting for its retry holds back the rest of its group, and does not count as due.
        await store.markRetry('g1-firing', t0 + 30_000, 'HTTP 429');
        expect((await store.dueEntries(t0 + 10, 10)).map((e) => e.id)).toEqual(['g1-other-notifier', 'g2']);
        await store.markDelivered('g1-other-notifier', t0 + 20);
        await store.markDelivered('g2', t0 + 20);
        expect(await store.nextDueAtMs()).toBe(t0 + 30_000);

        await store.markDelivered('g1-firing', t0 + 30_000);
        expect((await store.dueEntries(t0 + 30_000, 10)).map((e) => e.id)).toEqual(['g1-resolved']);
      });

      it('counts attempts and records retry, delivery and dead-lettering', async () => {
        await store.enqueue([
          notification('ok', { groupKey: 'g1' }),
          notification('bad', { groupKey: 'g2' }),
          notification('gone', { groupKey: 'g3' }),
        ]);
        await store.markRetry('ok', t0 + 1_000, 'HTTP 500');
        await store.markDelivered('ok', t0 + 1_200);
        await store.markDead('bad', t0 + 300, 'HTTP 400: invalid payload', { attempted: true });
        await store.markDead('gone', t0 + 400, 'receiver removed', { attempted: false });

        const byId = new Map((await store.listOutbox({ limit: 10 })).map((e) => [e.id, e]));
        expect(byId.get('ok')).toMatchObject({
          state: 'delivered',
          attempts: 2,
          finishedAtMs: t0 + 1_200,
          lastError: 'HTTP 500',
        });
        expect(byId.get('bad')).toMatchObject({
          state: 'dead',
          attempts: 1,
          finishedAtMs: t0 + 300,
          lastError: 'HTTP 400: invalid payload',
        });
        expect(byId.get('gone')).toMatchObject({ state: 'dead', attempts: 0, lastError: 'receiver removed' });
        expect(await store.dueEntries(t0 + 10_000, 10)).toEqual([]);
        expect(await store.nextDueAtMs()).toBeUndefined();
      });

      it('never changes a finished entry', async () => {
        await store.enqueue([notification('n1')]);
        await store.markDelivered('n1', t0 + 10);
        await store.markRetry('n1', t0 + 1_000, 'late timeout');
        await store.markDead('n1', t0 + 20, 'late', { attempted: true });
        const [entry] = await store.listOutbox({ limit: 1 });
        expect(entry).toMatchObject({ state: 'delivered', attempts: 1, finishedAtMs: t0 + 10 });
        expect(entry?.lastError).toBeUndefined();
      });

      it('lists newest first, filtered by state and limited', async () => {
        await store.enqueue([1, 2, 3, 4].map((i) => notification(`n${i}`, { createdAtMs: t0 + i })));
        await store.markDelivered('n1', t0 + 10);
        await store.markDead('n2', t0 + 10, 'HTTP 404', { attempted: true });
        expect((await store.listOutbox({ limit: 10 })).map((e) => e.id)).toEqual(['n4', 'n3', 'n2', 'n1']);
        expect((await store.listOutbox({ limit: 1 })).map((e) => e.id)).toEqual(['n4']);
        expect((await store.listOutbox({ state: 'pending', limit: 10 })).map((e) => e.id)).toEqual([
          'n4',
          'n3',
        ]);
        expect((await store.listOutbox({ state: 'dead', limit: 10 })).map((e) => e.id)).toEqual(['n2']);
      });

      it('prunes finished entries before a time and keeps pending ones', async () => {
        await store.enqueue([1, 2, 3, 4].map((i) => notification(`n${i}`, { groupKey: `g${i}` })));
        await store.markDelivered('n1', t0 + 100);
        await store.markDead('n2', t0 + 200, 'HTTP 400', { attempted: true });
        await store.markDelivered('n3', t0 + 300);
        expect(await store.pruneOutboxBefore(t0 + 300)).toBe(2);
        expect((await store.listOutbox({ limit: 10 })).map((e) => e.id).sort()).toEqual(['n3', 'n4']);
        expect(await store.pruneOutboxBefore(t0 + 1_000_000)).toBe(1);
        expect((await store.listOutbox({ limit: 10 })).map((e) => e.id)).toEqual(['n4']);
      });

      it('counts entries by state', async () => {
        expect(await store.outboxCounts()).toEqual({ pending: 0, delivered: 0, dead: 0 });
        await store.enqueue([1, 2, 3, 4].map((i) => notification(`n${i}`, { groupKey: `g${i}` })));
        await store.markDelivered('n1', t0 + 1);
        await store.markDead('n2', t0 + 1, 'HTTP 400', { attempted: true });
        expect(await store.outboxCounts()).toEqual({ pending: 2, delivered: 1, dead: 1 });
      });

      it('enqueues a large batch in one call', async () => {
        const many = Array.from({ length: 450 }, (_, i) => notification(`n${i}`, { groupKey: `g${i % 7}` }));
        await store.enqueue(many);
        expect(await store.listOutbox({ state: 'pending', limit: 1_000 })).toHaveLength(450);
        // One head per group, in enqueue order.
        expect((await store.dueEntries(t0, 100)).map((e) => e.id)).toEqual([
          'n0',
          'n1',
          'n2',
          'n3',
          'n4',
          'n5',
          'n6',
        ]);
      });
    });

    describe('notification log', () => {
      it('puts, replaces and reads entries by (receiver, group)', async () => {
        await store.putNotificationLog(logEntry('g1'));
        await store.putNotificationLog(logEntry('g1', { receiver: 'pager', atMs: t0 + 1 }));
        const resolved = logEntry('g1', {
          firingFingerprints: [],
          resolvedFingerprints: ['aaaa@1'],
          atMs: t0 + 2,
        });
        await store.putNotificationLog(resolved);

        expect(await store.notificationLog('team-chat', 'g1')).toStrictEqual(resolved);
        expect(await store.notificationLog('team-chat', 'g9')).toBeUndefined();
        expect((await store.allNotificationLogs()).map((e) => [e.receiver, e.atMs])).toEqual([
          ['pager', t0 + 1],
          ['team-chat', t0 + 2],
        ]);
      });

      it('round-trips the told alerts with their labels and annotations, and which are muted', async () => {
        const shown = firingAlert(
          { alertname: 'monitor-down', monitor: 'api' },
          { summary: 'API is down' },
          t0,
        );
        const entry = logEntry('g1', {
          firingFingerprints: [`${shown.fingerprint}@${t0}`, 'bbbb@2'],
          firingAlerts: [shown],
          mutedFingerprints: ['bbbb@2'],
        });
        await store.putNotificationLog(logEntry('g1'));
        await store.putNotificationLog(entry);
        expect(await store.notificationLog('team-chat', 'g1')).toStrictEqual(entry);
        expect(await store.allNotificationLogs()).toStrictEqual([entry]);
      });

      it('prunes only fully resolved groups last notified before a time', async () => {
        await store.putNotificationLog(logEntry('old-resolved', { firingFingerprints: [], atMs: t0 }));
        await store.putNotificationLog(logEntry('old-firing', { atMs: t0 }));
        await store.putNotificationLog(logEntry('new-resolved', { firingFingerprints: [], atMs: t0 + 500 }));
        expect(await store.pruneNotificationLogBefore(t0 + 100)).toBe(1);
        expect((await store.allNotificationLogs()).map((e) => e.groupKey)).toEqual([
          'new-resolved',
          'old-firing',
        ]);
      });
    });

    describe('silences', () => {
      it('round-trips, upserts by id and lists those ending after a time', async () => {
        const expired = silence('s-old', { startsAtMs: t0 - 7_200_000, endsAtMs: t0 - 1 });
        const active = silence('s-active');
        await store.putSilence(expired);
        await store.putSilence(active);
        expect(await store.getSilence('s-active')).toStrictEqual(active);
        expect(await store.getSilence('nope')).toBeUndefined();
        expect((await store.listSilences(t0)).map((s) => s.id)).toEqual(['s-active']);
        expect((await store.listSilences(t0 - 3_600_000)).map((s) => s.id)).toEqual(['s-old', 's-active']);

        // Expiring early is a put with an earlier end.
        const ended = { ...active, endsAtMs: t0 + 10, comment: 'done early', updatedAtMs: t0 + 10 };
        await store.putSilence(ended);
        expect(await store.getSilence('s-active')).toStrictEqual(ended);
        expect(await store.listSilences(t0 + 10)).toEqual([]);
      });
    });

    describe('acks', () => {
      it('puts (replacing by fingerprint), lists and deletes', async () => {
        const ack: Ack = {
          fingerprint: 'aaaa',
          episodeStartMs: t0,
          by: 'ops@example.com',
          atMs: t0 + 5,
          labels: { monitor: 'api', severity: 'critical' },
        };
        await store.putAck(ack);
        await store.putAck({ ...ack, fingerprint: 'bbbb', labels: {} });
        const again = { ...ack, episodeStartMs: t0 + 1_000, atMs: t0 + 1_005 };
        await store.putAck(again);
        expect(await store.listAcks()).toStrictEqual([again, { ...ack, fingerprint: 'bbbb', labels: {} }]);
        await store.deleteAck('aaaa');
        await store.deleteAck('missing');
        expect((await store.listAcks()).map((a) => a.fingerprint)).toEqual(['bbbb']);
      });
    });
  });
}

const reasonOf = (message: OutboxMessage): string => (isPrepared(message) ? message.summary : message.reason);
