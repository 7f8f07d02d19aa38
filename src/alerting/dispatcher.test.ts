import { mkdtemp, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { FakeClock } from '../../test/support/fake-clock.ts';
import {
  startRecordingReceiver,
  type ReceivedRequest,
  type RecordingReceiver,
} from '../../test/support/recording-receiver.ts';
import { sampleFiring, sampleResolved } from '../../test/support/sample-notification.ts';
import { startTestUpstream } from '../../test/support/test-upstream.ts';
import { openSqlite } from '../store/sqlite/open.ts';
import { SqliteAlertStore } from '../store/sqlite/sqlite-alert-store.ts';
import type { OutboxStore } from './alert-store.ts';
import {
  Dispatcher,
  type DeliveryRecord,
  type DispatcherOptions,
  notifierTarget,
  type ReceiverTarget,
} from './dispatcher.ts';
import type { Notification } from './notification.ts';
import { postToService } from './notifiers/http-post.ts';
import type { Notifier } from './notifiers/notifier.ts';

const t0 = Date.UTC(2026, 10, 21, 9, 30, 0);
const minuteMs = 60_000;

// The real notifiers are written elsewhere; this one is the smallest that goes through postToService.
function testWebhook(sendTimes: number[], minIntervalMs?: number): Notifier<{ readonly type: string }> {
  return {
    kind: 'test-webhook',
    config: z.object({ type: z.string(), url: z.string() }),
    sendsResolvedByDefault: true,
    ...(minIntervalMs !== undefined && { minIntervalMs }),
    async send(notification, config, io) {
      const { url } = config as { readonly type: string; readonly url: string };
      sendTimes.push(io.nowMs());
      await postToService(url, { id: notification.id, status: notification.status }, io, {
        headers: { 'webhook-id': notification.id, 'x-sent-at-ms': String(io.nowMs()) },
      });
    },
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  readonly clock: FakeClock;
  readonly store: SqliteAlertStore;
  readonly receiver: RecordingReceiver;
  readonly dispatcher: Dispatcher;
  readonly records: DeliveryRecord[];
  readonly errors: unknown[];
  /** Fake time of every send attempt, including ones that never reached a server. */
  readonly sendTimes: number[];
  /** Points receiver `name` at `url` (a closed port, a hung server, another receiver). */
  route(name: string, url: string): void;
  notify(...notifications: Notification[]): Promise<void>;
}

interface SetupOptions extends Partial<DispatcherOptions> {
  readonly minIntervalMs?: number;
  readonly wrapStore?: (store: SqliteAlertStore) => OutboxStore;
}

async function setup(options: SetupOptions = {}): Promise<Setup> {
  const { minIntervalMs, wrapStore, ...dispatcherOptions } = options;
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-dispatcher-'));
  const handle = await openSqlite(join(dir, 'bulwark.db'));
  const receiver = await startRecordingReceiver();
  cleanups.push(async () => {
    await receiver.close();
    await handle.close();
    await rm(dir, { recursive: true, force: true });
  });
  const store = new SqliteAlertStore(handle.db);
  const clock = new FakeClock(t0);
  const records: DeliveryRecord[] = [];
  const errors: unknown[] = [];
  const sendTimes: number[] = [];
  const notifier = testWebhook(sendTimes, minIntervalMs);
  const targets = new Map<string, ReceiverTarget>();
  const route = (name: string, url: string) => {
    const config = { type: 'test-webhook', url };
    targets.set(name, notifierTarget(notifier, config));
  };
  route('hook', receiver.url);
  const dispatcher = new Dispatcher({
    store: wrapStore?.(store) ?? store,
    clock,
    receivers: (name) => targets.get(name),
    maxDeliveryAgeMs: 60 * minuteMs,
    // Full jitter at its midpoint: the wait after the nth failure is 0.5 × 1 s × 2^(n-1), at most 150 s.
    random: () => 0.5,
    onOutcome: (record) => records.push(record),
    onError: (error) => errors.push(error),
    ...dispatcherOptions,
  });
  dispatcher.start();
  cleanups.push(() => dispatcher.stop({ graceMs: 0 }));
  return {
    clock,
    store,
    receiver,
    dispatcher,
    records,
    errors,
    sendTimes,
    route,
    async notify(...notifications) {
      await store.enqueue(notifications);
      dispatcher.wake();
    },
  };
}

function firing(id: string, groupKey = 'g1', receiver = 'hook'): Notification {
  return sampleFiring({ id, receiver, groupKey, createdAtMs: t0 });
}

/**
 * Moves fake time from one due entry to the next, never past one, until `done` holds. The dispatcher awaits
 * real I/O (HTTP, SQLite) between steps, so this polls with a deadline instead of sleeping.
 */
async function driveUntil(s: Setup, done: () => boolean): Promise<void> {
  await vi.waitFor(
    async () => {
      if (done()) return;
      const dueMs = await s.store.nextDueAtMs();
      s.clock.advance(dueMs === undefined ? 0 : Math.max(0, dueMs - s.clock.nowMs()));
      throw new Error(`not yet at +${s.clock.nowMs() - t0} ms`);
    },
    { timeout: 15_000, interval: 1 },
  );
}

const sentAtMs = (request: ReceivedRequest) => Number(request.headers['x-sent-at-ms']);
const webhookIds = (receiver: RecordingReceiver) => receiver.requests.map((r) => r.headers['webhook-id']);
const outcomes = (records: readonly DeliveryRecord[]) =>
  records.map((r) => `${r.notificationId}:${r.outcome}`);

describe('Dispatcher', () => {
  it('sends a new notification at once after wake, with its id as the idempotency key', async () => {
    const s = await setup();
    await s.notify(firing('n1'));
    const [request] = await s.receiver.waitForRequests(1);
    expect(request?.headers['webhook-id']).toBe('n1');
    expect(sentAtMs(request!)).toBe(t0);
    await vi.waitFor(() => expect(outcomes(s.records)).toEqual(['n1:delivered']));
    expect(s.records[0]).toMatchObject({ notifier: 'hook', attempt: 1, groupKey: 'g1' });
    expect((await s.store.listOutbox({ limit: 1 }))[0]).toMatchObject({ state: 'delivered', attempts: 1 });
  });

  it('retries a 500 after the backoff and then delivers', async () => {
    const s = await setup();
    s.receiver.script({ status: 500, body: 'upstream broke' });
    await s.notify(firing('n1'));
    await vi.waitFor(() => expect(outcomes(s.records)).toEqual(['n1:retry']));
    expect(s.records[0]).toMatchObject({ attempt: 1, nextAttemptAtMs: t0 + 500 });
    expect(s.records[0]?.error).toContain('answered 500: upstream broke');

    await driveUntil(s, () => s.records.length === 2);
    expect(outcomes(s.records)).toEqual(['n1:retry', 'n1:delivered']);
    expect(s.records[1]?.attempt).toBe(2);
    expect(s.receiver.requests.map(sentAtMs)).toEqual([t0, t0 + 500]);
  });

  it('waits as long as Retry-After says before the next attempt', async () => {
    const s = await setup();
    s.receiver.script({ status: 429, headers: { 'retry-after': '30' } });
    await s.notify(firing('n1'));
    await vi.waitFor(() => expect(s.records).toHaveLength(1));
    expect(s.records[0]).toMatchObject({ outcome: 'retry', nextAttemptAtMs: t0 + 30_000 });

    await driveUntil(s, () => s.records.length === 2);
    expect(outcomes(s.records)).toEqual(['n1:retry', 'n1:delivered']);
    expect(s.receiver.requests.map(sentAtMs)).toEqual([t0, t0 + 30_000]);
  });

  it('keeps retrying through a 10-minute outage and delivers when the receiver is back', async () => {
    const s = await setup();
    const gone = await startTestUpstream(() => {});
    await gone.close();
    s.route('hook', gone.url);
    await s.notify(firing('n1'));
    // Down until the first retry planned after the 10 minutes: nothing is in flight when it comes back.
    await driveUntil(s, () => (s.records.at(-1)?.nextAttemptAtMs ?? 0) >= t0 + 10 * minuteMs);
    s.route('hook', s.receiver.url);
    await driveUntil(s, () => s.records.at(-1)?.outcome === 'delivered');

    const retries = s.records.filter((r) => r.outcome === 'retry');
    expect(retries[0]?.error).toContain('ECONNREFUSED');
    // Doubling from 500 ms, capped at 150 s (half of maxMs, by the fixed jitter).
    const waits = retries.map((r, i) => r.nextAttemptAtMs! - s.sendTimes[i]!);
    expect(waits).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 150_000, 150_000, 150_000,
    ]);
    expect(webhookIds(s.receiver)).toEqual(['n1']);
    expect(s.records.at(-1)).toMatchObject({ outcome: 'delivered', attempt: retries.length + 1 });
  });

  it('dead-letters an entry older than maxDeliveryAgeMs, with the reason', async () => {
    const s = await setup({ maxDeliveryAgeMs: 5 * minuteMs });
    // Decided an hour ago (Bulwark was down since): too late to be useful.
    await s.notify(
      sampleFiring({ id: 'stale', receiver: 'hook', groupKey: 'g0', createdAtMs: t0 - 60 * minuteMs }),
    );
    await vi.waitFor(() => expect(outcomes(s.records)).toEqual(['stale:dead']));
    expect(s.records[0]).toMatchObject({ attempt: 0, error: 'not delivered within 300000 ms' });
    expect(s.receiver.requests).toHaveLength(0);

    // Failing all along: it gives up when the next attempt would fall past the bound, not after it.
    s.receiver.script(...Array.from({ length: 20 }, () => ({ status: 503 })));
    await s.notify(firing('failing'));
    await driveUntil(s, () => outcomes(s.records).at(-1) === 'failing:dead');
    const dead = s.records.at(-1)!;
    expect(dead.error).toMatch(/^gave up after 10 attempts within 300000 ms: .* answered 503$/);
    expect(s.clock.nowMs()).toBe(t0 + 255_500);
    const [entry] = await s.store.listOutbox({ state: 'dead', limit: 1 });
    expect(entry).toMatchObject({
      id: 'failing',
      lastError: dead.error,
      attempts: 10,
      finishedAtMs: t0 + 255_500,
    });
  });

  it('dead-letters a 400 at once', async () => {
    const s = await setup();
    s.receiver.script({ status: 400, body: '{"error":"invalid payload"}' });
    await s.notify(firing('n1'));
    await vi.waitFor(() => expect(outcomes(s.records)).toEqual(['n1:dead']));
    expect(s.records[0]).toMatchObject({ attempt: 1 });
    expect(s.records[0]?.error).toContain('answered 400: {"error":"invalid payload"}');
    expect(await s.store.nextDueAtMs()).toBeUndefined();
    expect(s.receiver.requests).toHaveLength(1);
  });

  it('dead-letters entries for a receiver that left the config', async () => {
    const s = await setup();
    await s.notify(firing('orphan', 'g1', 'removed-by-reload'));
    await vi.waitFor(() => expect(outcomes(s.records)).toEqual(['orphan:dead']));
    expect(s.records[0]).toMatchObject({
      attempt: 0,
      error: 'receiver "removed-by-reload" is not configured',
    });
  });

  it("keeps a group's order when its firing message needs retries, without holding back other groups", async () => {
    const s = await setup();
    s.receiver.script({ status: 500 }, { status: 503 }, { status: 502 });
    const resolved = sampleResolved({ id: 'a-resolved', receiver: 'hook', groupKey: 'a', createdAtMs: t0 });
    await s.notify(firing('a-firing', 'a'), resolved, firing('b-firing', 'b'));
    await vi.waitFor(() => expect(outcomes(s.records)).toEqual(['a-firing:retry', 'b-firing:retry']));

    await driveUntil(s, () => s.records.filter((r) => r.outcome === 'delivered').length === 3);
    // a-resolved waited for a-firing's third attempt; b, another group, did not.
    expect(outcomes(s.records)).toEqual([
      'a-firing:retry',
      'b-firing:retry',
      'a-firing:retry',
      'b-firing:delivered',
      'a-firing:delivered',
      'a-resolved:delivered',
    ]);
    expect(webhookIds(s.receiver)).toEqual([
      'a-firing',
      'b-firing',
      'a-firing',
      'b-firing',
      'a-firing',
      'a-resolved',
    ]);
  });

  it('spaces sends to one notifier by its minIntervalMs', async () => {
    const s = await setup({ minIntervalMs: 1_000 });
    await s.notify(firing('n1', 'g1'), firing('n2', 'g2'), firing('n3', 'g3'));
    await vi.waitFor(() => expect(s.records).toHaveLength(1));
    for (const [i, atMs] of [t0 + 1_000, t0 + 2_000].entries()) {
      // Re-advancing by 0 fires the pause timer once the lane has set it.
      s.clock.advance(atMs - s.clock.nowMs());
      await vi.waitFor(() => {
        s.clock.advance(0);
        expect(s.records).toHaveLength(i + 2);
      });
    }
    expect(s.receiver.requests.map(sentAtMs)).toEqual([t0, t0 + 1_000, t0 + 2_000]);
  });

  it('times out a hung receiver without holding back another notifier', async () => {
    const hung: ServerResponse[] = [];
    const hungServer = await startTestUpstream((_req, res) => hung.push(res));
    cleanups.push(() => hungServer.close());
    const s = await setup({ sendTimeoutMs: 5_000 });
    s.route('stuck', hungServer.url);
    await s.notify(firing('to-stuck', 'g1', 'stuck'), firing('to-hook', 'g1', 'hook'));
    await vi.waitFor(() => expect(hung).toHaveLength(1));
    await vi.waitFor(() => expect(outcomes(s.records)).toEqual(['to-hook:delivered']));

    s.clock.advance(5_000);
    await vi.waitFor(() => expect(outcomes(s.records)).toEqual(['to-hook:delivered', 'to-stuck:retry']));
    expect(s.records[1]?.error).toBe('send timed out after 5000 ms');
  });

  it('reports a store error and recovers at the next poll', async () => {
    let isFailing = true;
    const s = await setup({
      pollIntervalMs: 10_000,
      wrapStore: (real) => ({
        enqueue: (notifications) => real.enqueue(notifications),
        dueEntries: (nowMs, limit) =>
          isFailing ? Promise.reject(new Error('database is locked')) : real.dueEntries(nowMs, limit),
        nextDueAtMs: () => real.nextDueAtMs(),
        markDelivered: (id, atMs) => real.markDelivered(id, atMs),
        markRetry: (id, nextMs, error) => real.markRetry(id, nextMs, error),
        markDead: (id, atMs, error, options) => real.markDead(id, atMs, error, options),
        listOutbox: (filter) => real.listOutbox(filter),
        pruneOutboxBefore: (ms) => real.pruneOutboxBefore(ms),
        outboxCounts: () => real.outboxCounts(),
      }),
    });
    await s.notify(firing('n1'));
    await vi.waitFor(() => expect(s.errors.length).toBeGreaterThan(0));
    expect(s.errors[0]).toMatchObject({ message: 'database is locked' });
    isFailing = false;
    expect(s.records).toEqual([]);
    await vi.waitFor(() => {
      s.clock.advance(1_000);
      expect(outcomes(s.records)).toEqual(['n1:delivered']);
    });
    // Nothing woke it but its poll timer.
    expect(s.sendTimes[0]).toBeGreaterThanOrEqual(t0 + 10_000);
  });

  it('stop waits for an in-flight send, then aborts it after the grace period and stores a retry', async () => {
    const hung: ServerResponse[] = [];
    const hungServer = await startTestUpstream((_req, res) => hung.push(res));
    cleanups.push(() => hungServer.close());
    const s = await setup();
    s.route('hook', hungServer.url);
    await s.notify(firing('n1'));
    await vi.waitFor(() => expect(hung).toHaveLength(1));

    let isStopped = false;
    const stopping = s.dispatcher.stop({ graceMs: 2_000 }).then(() => (isStopped = true));
    s.clock.advance(1_999);
    await new Promise(setImmediate);
    expect(isStopped).toBe(false);
    expect(s.records).toEqual([]);
    s.clock.advance(1);
    await stopping;
    expect(outcomes(s.records)).toEqual(['n1:retry']);
    expect(s.records[0]?.error).toBe('send aborted: the dispatcher stopped');
    const [entry] = await s.store.listOutbox({ state: 'pending', limit: 1 });
    expect(entry?.attempts).toBe(1);
  });
});
