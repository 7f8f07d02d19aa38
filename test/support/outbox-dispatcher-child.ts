// Enqueues COUNT notifications (ids already stored are ignored, as on a replayed decision) and delivers them
// to RECEIVER_URL/<notifier> until none is pending, then prints "done". The parent may SIGKILL it mid-way.
// Usage: node outbox-dispatcher-child.ts DB_PATH RECEIVER_URL COUNT
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { firingAlert } from '../../src/alerting/alert.ts';
import { Dispatcher, notifierTarget, type ReceiverTarget } from '../../src/alerting/dispatcher.ts';
import type { Notification } from '../../src/alerting/notification.ts';
import { postToService } from '../../src/alerting/notifiers/http-post.ts';
import type { Notifier } from '../../src/alerting/notifiers/notifier.ts';
import { wallClock } from '../../src/core/clock.ts';
import { openSqlite, SqliteAlertStore } from '../../src/store/index.ts';

export const crashNotifierCount = 4;
export const crashGroupsPerNotifier = 5;

/** Notification i goes to notifier i mod 4, group (i div 4) mod 5: every group gets several, in id order. */
export function crashNotificationId(i: number): string {
  return `ntf-${String(i).padStart(4, '0')}`;
}

function crashNotification(i: number, createdAtMs: number): Notification {
  const labels = { alertname: 'monitor-down', monitor: `m${i}` };
  return {
    id: crashNotificationId(i),
    receiver: `hook-${i % crashNotifierCount}`,
    groupKey: `g${Math.floor(i / crashNotifierCount) % crashGroupsPerNotifier}`,
    status: 'firing',
    reason: 'first',
    groupLabels: {},
    commonLabels: labels,
    commonAnnotations: {},
    alerts: [firingAlert(labels, {}, createdAtMs)],
    severity: 'critical',
    links: {},
    createdAtMs,
  };
}

const webhook: Notifier<{ readonly type: string }> = {
  kind: 'crash-webhook',
  config: z.object({ type: z.string(), url: z.string() }),
  sendsResolvedByDefault: true,
  async send(notification, config, io) {
    const { url } = config as { readonly type: string; readonly url: string };
    const body = { id: notification.id, notifier: notification.receiver, groupKey: notification.groupKey };
    await postToService(url, body, io, { headers: { 'webhook-id': notification.id } });
  },
};

async function main(): Promise<void> {
  const [dbPath, receiverUrl, countText] = process.argv.slice(2);
  if (dbPath === undefined || receiverUrl === undefined || countText === undefined) {
    throw new Error('usage: outbox-dispatcher-child.ts DB_PATH RECEIVER_URL COUNT');
  }
  const { db, close } = await openSqlite(dbPath);
  const store = new SqliteAlertStore(db);
  const createdAtMs = Date.now();
  await store.enqueue(Array.from({ length: Number(countText) }, (_, i) => crashNotification(i, createdAtMs)));

  const receivers = (name: string): ReceiverTarget => {
    const config = { type: 'crash-webhook', url: `${receiverUrl}/${name}` };
    return notifierTarget(webhook, config);
  };
  const dispatcher = new Dispatcher({
    store,
    clock: wallClock,
    receivers,
    maxDeliveryAgeMs: 3_600_000,
    // Anything but a first-time delivery is unexpected here; stderr makes the parent fail.
    onOutcome: (record) => {
      if (record.outcome !== 'delivered') process.stderr.write(`${JSON.stringify(record)}\n`);
    },
    onError: (error) => process.stderr.write(`store error: ${String(error)}\n`),
  });
  dispatcher.start();
  while ((await store.listOutbox({ state: 'pending', limit: 1 })).length > 0) await sleep(20);
  await dispatcher.stop();
  await close();
  process.stdout.write('done\n');
}

// The parent imports the id scheme from here; only a child process runs it.
if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
