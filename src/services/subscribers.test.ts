import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtureView } from '../status/api/fixture.test-support.ts';
import type { StatusEvent } from '../status/events.ts';
import { StatusBook } from '../status/status-book.ts';
import { openSqlite, SqliteStatusStore, type SqliteHandle } from '../store/index.ts';
import { ServiceError } from './service-error.ts';
import type { StatusDeps } from './status-deps.ts';
import {
  addSubscriber,
  confirmSubscription,
  expireUnconfirmed,
  listSubscribers,
  maxUnconfirmed,
  removeSubscriber,
  requestSubscription,
  unconfirmedLifetimeMs,
  unsubscribe,
} from './subscribers.ts';

const minuteMs = 60_000;
const t0 = Date.UTC(2026, 10, 21, 9, 0);

describe('subscriber verbs on a real SQLite store', () => {
  let dir: string;
  let handle: SqliteHandle;
  let deps: StatusDeps;
  let nowMs: number;
  let offersEmail: boolean;
  let events: StatusEvent[];

  const reopen = async (): Promise<StatusBook> => StatusBook.load(new SqliteStatusStore(handle.db));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-subscribers-'));
    handle = await openSqlite(join(dir, 'bulwark.db'));
    nowMs = t0;
    offersEmail = true;
    events = [];
    let ids = 0;
    deps = {
      book: await reopen(),
      nowMs: () => nowMs,
      newId: () => `id${++ids}`,
      newToken: () => `token${ids}`,
      offersEmail: () => offersEmail,
      // Core (API, Web) and Docs.
      components: () =>
        fixtureView().components.map((def) => ({ def, status: def.status, derived: def.status })),
      componentsWithout: () => deps.components(),
      endpointExists: () => false,
      onChange: (event) => {
        events.push(event);
        return Promise.resolve();
      },
    };
  });
  afterEach(async () => {
    await handle.close();
    await rm(dir, { recursive: true, force: true });
  });

  const refusal = async (run: () => Promise<unknown>): Promise<ServiceError> => {
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof ServiceError)) throw new Error(`expected a ServiceError, got ${String(error)}`);
    return error;
  };

  it('records a request unconfirmed, owes one confirmation mail, and confirms by token durably', async () => {
    await requestSubscription(deps, { email: ' ada@example.com ', component_ids: ['core', 'core'] });
    const [waiting] = deps.book.subscribers();
    expect(waiting).toMatchObject({ email: 'ada@example.com', componentIds: ['core'], confirmedAtMs: null });
    expect(events.map((e) => e.kind)).toEqual(['subscription-requested']);
    await confirmSubscription(deps, waiting?.token ?? '');
    const [confirmed] = (await reopen()).subscribers();
    expect(confirmed?.confirmedAtMs).toBe(t0);
  });

  it('does not let the form flood an inbox or reveal a subscription', async () => {
    await requestSubscription(deps, { email: 'ada@example.com' });
    nowMs += 5 * minuteMs;
    await requestSubscription(deps, { email: 'ADA@example.com' });
    expect(events).toHaveLength(1);
    nowMs += 6 * minuteMs;
    await requestSubscription(deps, { email: 'ada@example.com' });
    expect(events).toHaveLength(2);
    expect(deps.book.subscribers()).toHaveLength(1);
    await confirmSubscription(deps, deps.book.subscribers()[0]?.token ?? '');
    nowMs += 60 * minuteMs;
    await requestSubscription(deps, { email: 'ada@example.com', component_ids: ['docs'] });
    expect(events).toHaveLength(2);
    expect(deps.book.subscribers()[0]?.componentIds).toBeNull();
  });

  it('mails an inbox once per 10 minutes however its address is spelled, and to the address as written', async () => {
    for (const email of ['victim+1@example.com', 'victim+2@Example.COM', 'VICTIM@example.com'])
      await requestSubscription(deps, { email });
    expect(events).toHaveLength(1);
    expect(deps.book.subscribers().map((s) => s.email)).toEqual(['victim+1@example.com']);
    nowMs += 10 * minuteMs;
    await requestSubscription(deps, { email: 'victim+2@Example.COM' });
    expect(events.map((e) => (e.kind === 'subscription-requested' ? e.subscriber.email : ''))).toEqual([
      'victim+1@example.com',
      'victim+2@Example.COM',
    ]);
  });

  it('at the limit of waiting requests answers every address alike, and a newcomer drops the oldest request', async () => {
    await addSubscriber(deps, { subscriber: { email: 'subscribed@example.com' } });
    for (let i = 0; i < maxUnconfirmed; i++)
      await deps.book.putSubscriber({
        id: `w${i}`,
        mode: 'email',
        email: `waiting${i}@example.com`,
        endpoint: null,
        componentIds: null,
        confirmedAtMs: null,
        token: `wt${i}`,
        createdAtMs: t0 + i,
      });
    nowMs += 60 * minuteMs;
    const answers: string[] = [];
    for (const email of ['subscribed@example.com', 'waiting5@example.com', 'unknown@example.com'])
      answers.push(
        await requestSubscription(deps, { email }).then(
          () => 'ok',
          (e: unknown) => (e instanceof ServiceError ? e.code : 'thrown'),
        ),
      );
    expect(answers).toEqual(['ok', 'ok', 'ok']);
    const waiting = deps.book.subscribers().filter((s) => s.confirmedAtMs === null);
    expect(waiting).toHaveLength(maxUnconfirmed);
    expect(waiting.some((s) => s.email === 'unknown@example.com')).toBe(true);
    expect(waiting.some((s) => s.id === 'w0')).toBe(false);
  });

  it('at max_subscribers refuses every address alike, and confirms no more until there is room', async () => {
    const limits = { maxSubscribers: 2 };
    await requestSubscription(deps, { email: 'waiting@example.com' }, limits);
    const [waiting] = deps.book.subscribers();
    const first = await addSubscriber(deps, { subscriber: { email: 'one@example.com' } });
    await addSubscriber(deps, { subscriber: { email: 'two@example.com' } });
    nowMs += 60 * minuteMs;
    for (const email of ['one@example.com', 'waiting@example.com', 'new@example.com'])
      expect(await refusal(() => requestSubscription(deps, { email }, limits))).toMatchObject({
        code: 'SVC_BUSY',
        message: 'this status page takes no new subscribers at the moment',
      });
    const token = waiting?.token ?? '';
    expect((await refusal(() => confirmSubscription(deps, token, limits))).code).toBe('SVC_BUSY');
    await removeSubscriber(deps, first.id);
    expect((await confirmSubscription(deps, token, limits)).confirmedAtMs).toBe(nowMs);
  });

  it('forgets requests nobody confirmed in time; the link then no longer works', async () => {
    await requestSubscription(deps, { email: 'ada@example.com' });
    const token = deps.book.subscribers()[0]?.token ?? '';
    nowMs += unconfirmedLifetimeMs - 1;
    expect(await expireUnconfirmed(deps)).toBe(0);
    nowMs += 2;
    expect(await expireUnconfirmed(deps)).toBe(1);
    expect((await refusal(() => confirmSubscription(deps, token))).code).toBe('SVC_NOT_FOUND');
  });

  it('unsubscribes by token, and an unknown token is already unsubscribed', async () => {
    const added = await addSubscriber(deps, { subscriber: { email: 'bo@example.com' } });
    await unsubscribe(deps, added.token);
    await unsubscribe(deps, 'no-such-token');
    expect((await reopen()).subscribers()).toEqual([]);
  });

  it('refuses bad input naming the field', async () => {
    expect(await refusal(() => requestSubscription(deps, { email: 'nope' }))).toMatchObject({
      code: 'SVC_INVALID',
      field: 'email',
    });
    expect(
      await refusal(() => requestSubscription(deps, { email: 'a@example.com', component_ids: ['api', 'x'] })),
    ).toMatchObject({ field: 'component_ids.1' });
    expect(await refusal(() => addSubscriber(deps, { subscriber: { endpoint: 'ftp://x' } }))).toMatchObject({
      field: 'subscriber.endpoint',
    });
    offersEmail = false;
    expect((await refusal(() => requestSubscription(deps, { email: 'a@example.com' }))).code).toBe(
      'SVC_NOT_FOUND',
    );
    expect(
      await refusal(() => addSubscriber(deps, { subscriber: { email: 'a@example.com' } })),
    ).toMatchObject({
      field: 'subscriber.email',
    });
  });

  it('adds operator subscribers confirmed, webhook or email, newest first', async () => {
    await addSubscriber(deps, {
      subscriber: { endpoint: 'https://hooks.example.com/a', component_ids: ['api'] },
    });
    nowMs += 1;
    await addSubscriber(deps, { subscriber: { email: 'ops@example.com' } });
    expect(listSubscribers(deps).map((s) => [s.mode, s.confirmedAtMs !== null])).toEqual([
      ['email', true],
      ['webhook', true],
    ]);
    expect(
      await refusal(() => addSubscriber(deps, { subscriber: { email: 'OPS@example.com' } })),
    ).toMatchObject({ field: 'subscriber.email' });
  });
});
