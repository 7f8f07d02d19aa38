import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Dispatcher, type ReceiverTarget } from '../alerting/dispatcher.ts';
import { isPrepared, type OutboxMessage, type PreparedMessage } from '../alerting/notification.ts';
import { createLogger } from '../observability/index.ts';
import { createIncident } from '../services/incidents.ts';
import { addSubscriber, requestSubscription } from '../services/subscribers.ts';
import { openSqlite, SqliteAlertStore, type SqliteHandle } from '../store/index.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { eventually } from '../../test/support/gateway-harness.ts';
import { startSmtpSink, type SmtpSink } from '../../test/support/smtp-sink.ts';
import { harnessConfig, quietStatusDeps } from './status-host.test-support.ts';
import { StatusHost } from './status-host.ts';

const startMs = Date.UTC(2026, 10, 20, 9);
// More than the dispatcher reads per poll (100): a backlog that fills a whole batch.
const backlog = 150;

const isConfirmation = (message: OutboxMessage): boolean =>
  isPrepared(message) && (message.content as { unsubscribeUrl?: unknown }).unsubscribeUrl === null;

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

describe('subscriber mail through the outbox', () => {
  it('sends an incident mail while a backlog of confirmation mails is stuck at the relay', async () => {
    const smtp: SmtpSink = await startSmtpSink({ security: 'plain' });
    cleanups.push(() => smtp.close());
    const dir = await mkdtemp(join(tmpdir(), 'bulwark-subscriber-lanes-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const alerts: SqliteHandle = await openSqlite(join(dir, 'outbox.db'));
    cleanups.push(() => alerts.close());
    const store = new SqliteAlertStore(alerts.db);
    const clock = new FakeClock(startMs);

    // The relay takes confirmation mails and never answers (a flood of sign-ups, a relay deferring them).
    // `host` is read at send time, after it has started.
    const receivers = (name: string): ReceiverTarget | undefined => {
      const target = host.subscriberTarget(name);
      return (
        target && {
          send: (message, io) =>
            isConfirmation(message) ? new Promise<void>(() => undefined) : target.send(message, io),
        }
      );
    };
    const dispatcher = new Dispatcher({ store, clock, receivers, maxDeliveryAgeMs: 3_600_000 });
    cleanups.push(() => dispatcher.stop({ graceMs: 0 }));
    const outbox = {
      enqueue: async (messages: readonly PreparedMessage[]) => {
        await store.enqueue(messages);
        dispatcher.wake();
      },
    };
    const config = harnessConfig(dir, [
      'status_page:',
      '  title: Acme',
      '  components: [{ name: API }]',
      '  subscribers:',
      `    email: { from: "Acme <status@acme.example>", smtp: { host: 127.0.0.1, port: ${smtp.port}, tls: none } }`,
    ]);
    const host = await StatusHost.start(config, {
      logger: createLogger({ level: 'silent' }),
      ...quietStatusDeps(clock, new Map()),
      outbox: () => outbox,
    });
    cleanups.push(() => host.stop());

    for (let i = 0; i < backlog; i++)
      await host.serially(() => requestSubscription(host.deps, { email: `user${i}@example.com` }));
    await host.serially(() => addSubscriber(host.deps, { subscriber: { email: 'bob@example.com' } }));
    dispatcher.start();
    clock.advance(1_000);
    await host.serially(() =>
      createIncident(host.deps, { incident: { name: 'API down', body: 'Looking.' } }),
    );

    await eventually(
      () => smtp.mails.some((m) => m.envelopeTo.includes('bob@example.com')),
      5_000,
      'the incident mail to bob',
    );
    expect(smtp.mails.map((m) => m.envelopeTo)).toEqual([['bob@example.com']]);
  });
});
