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
