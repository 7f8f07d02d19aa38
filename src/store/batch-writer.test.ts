import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { BatchWriter, type BatchWriterOptions } from './batch-writer.ts';

// Lets resolved promises run their callbacks; the clock, not real time, decides when flushes start.
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A write() the test completes by hand, recording what it was given and how many ran at once. */
function manualStore() {
  const calls: { items: readonly number[]; done: () => void; fail: (error: Error) => void }[] = [];
  let running = 0;
  let maxRunning = 0;
  const write = (items: readonly number[]) => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    calls.push({ items, done: resolve, fail: reject });
    return promise.finally(() => running--);
  };
  return { calls, write, maxRunning: () => maxRunning };
}

function writerWith(
  write: BatchWriterOptions<number>['write'],
  options: Partial<BatchWriterOptions<number>> = {},
) {
  const clock = new FakeClock();
  const writer = new BatchWriter<number>({ write, clock, flushIntervalMs: 1000, maxBatch: 3, ...options });
  return { clock, writer };
}

function tracked(promise: Promise<void>) {
  const state = { stored: false, error: undefined as unknown };
  promise.then(
    () => (state.stored = true),
    (error: unknown) => (state.error = error),
  );
  return state;
}

describe('BatchWriter', () => {
  it('writes as soon as maxBatch items are pending', async () => {
    const store = manualStore();
    const { writer } = writerWith(store.write);
    void writer.add(1);
    void writer.add(2);
    await settle();
    expect(store.calls).toHaveLength(0);
    void writer.add(3);
    await settle();
    expect(store.calls.map((c) => c.items)).toEqual([[1, 2, 3]]);
  });

  it('writes fewer items once flushIntervalMs passed since the first', async () => {
    const store = manualStore();
    const { clock, writer } = writerWith(store.write);
    void writer.add(1);
    clock.advance(500);
    void writer.add(2);
    clock.advance(499);
    await settle();
    expect(store.calls).toHaveLength(0);
    clock.advance(1);
    await settle();
    expect(store.calls.map((c) => c.items)).toEqual([[1, 2]]);
  });

  it('resolves add() only when the write carrying the item resolved', async () => {
    const store = manualStore();
    const { clock, writer } = writerWith(store.write);
    const item = tracked(writer.add(1));
    clock.advance(1000);
    await settle();
    expect(item.stored).toBe(false);
    store.calls[0]!.done();
    await settle();
    expect(item.stored).toBe(true);
  });

  it('never runs two writes at once, and writes what arrived meanwhile next', async () => {
    const store = manualStore();
    const { clock, writer } = writerWith(store.write);
    for (const n of [1, 2, 3]) void writer.add(n);
    await settle();
    for (const n of [4, 5, 6, 7]) void writer.add(n);
    clock.advance(5000);
    void writer.flush();
    await settle();
    expect(store.calls).toHaveLength(1);

    store.calls[0]!.done();
    await settle();
    expect(store.calls.map((c) => c.items)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    store.calls[1]!.done();
    await settle();
    store.calls[2]!.done();
    await settle();
    expect(store.calls.map((c) => c.items)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(store.maxRunning()).toBe(1);
  });

  it('flush() writes everything pending in batches of maxBatch', async () => {
    const written: (readonly number[])[] = [];
    const { writer } = writerWith(
      (items) => {
        written.push(items);
        return Promise.resolve();
      },
      { maxBatch: 2 },
    );
    writer.add(1).catch(() => {});
    // Past maxBatch this already started a write; flush() waits for it and writes the rest.
    for (const n of [2, 3, 4, 5]) void writer.add(n);
    await writer.flush();
    expect(written.flat()).toEqual([1, 2, 3, 4, 5]);
    expect(written.every((batch) => batch.length <= 2)).toBe(true);
    expect(writer.pendingCount).toBe(0);
  });

  it('keeps the items of a failed write and retries them after flushIntervalMs, not on every add', async () => {
    const store = manualStore();
    const errors: unknown[] = [];
    const { clock, writer } = writerWith(store.write, { onFlushError: (error) => errors.push(error) });
    const first = tracked(writer.add(1));
    clock.advance(1000);
    await settle();
    store.calls[0]!.fail(new Error('disk full'));
    await settle();
    expect(errors).toEqual([new Error('disk full')]);
    expect(writer.failedFlushCount).toBe(1);
    expect(writer.pendingCount).toBe(1);
    expect(first.stored).toBe(false);

    for (const n of [2, 3, 4]) void writer.add(n);
    await settle();
    expect(store.calls).toHaveLength(1);

    clock.advance(1000);
    await settle();
    expect(store.calls[1]!.items).toEqual([1, 2, 3]);
    store.calls[1]!.done();
    await settle();
    expect(first.stored).toBe(true);
    expect(store.calls[2]!.items).toEqual([4]);
  });

  it('drops the oldest items beyond maxPending, counts them and rejects their add()', async () => {
    const { clock, writer } = writerWith(() => Promise.reject(new Error('down')), {
      maxBatch: 100,
      maxPending: 5,
    });
    const items = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => tracked(writer.add(n)));
    clock.advance(1000);
    await settle();
    expect(writer.droppedCount).toBe(3);
    expect(writer.pendingCount).toBe(5);
    expect(items.slice(0, 3).map((i) => (i.error as { code?: string }).code)).toEqual(
      Array(3).fill('STORE_WRITE_DROPPED'),
    );
    expect(items.slice(3).every((i) => i.error === undefined && !i.stored)).toBe(true);
  });

  it('raises no unhandled rejection when callers ignore add() and writes keep failing', async () => {
    let attempts = 0;
    const { clock, writer } = writerWith(
      () => {
        attempts++;
        throw new Error('thrown synchronously');
      },
      {
        maxPending: 2,
        onFlushError: () => {
          throw new Error('broken logger');
        },
      },
    );
    for (const n of [1, 2, 3, 4]) void writer.add(n);
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await settle();
    }
    expect(attempts).toBe(3);
    expect(writer.droppedCount).toBe(2);
    // Vitest fails the run on an unhandled rejection, so reaching the end is the assertion.
  });

  it('close() writes what is pending and refuses later items', async () => {
    const written: number[] = [];
    const { clock, writer } = writerWith((items) => {
      written.push(...items);
      return Promise.resolve();
    });
    const item = tracked(writer.add(1));
    await writer.close();
    expect(written).toEqual([1]);
    expect(item.stored).toBe(true);
    await expect(writer.add(2)).rejects.toMatchObject({ code: 'STORE_WRITER_CLOSED' });
    expect(clock.pendingTimers).toBe(0);
  });

  it('close() waits for a running write, then retries failed items once and rejects if they are lost', async () => {
    const store = manualStore();
    const { writer } = writerWith(store.write);
    const items = [1, 2, 3, 4].map((n) => tracked(writer.add(n)));
    await settle();
    const closed = writer.close();
    store.calls[0]!.fail(new Error('locked'));
    await settle();
    expect(store.calls[1]!.items).toEqual([1, 2, 3]);
    store.calls[1]!.fail(new Error('still locked'));
    await expect(closed).rejects.toMatchObject({ code: 'STORE_FLUSH_FAILED' });
    expect(
      items.every((i) => (i.error as { code?: string } | undefined)?.code === 'STORE_FLUSH_FAILED'),
    ).toBe(true);
  });
});
