import { describe, expect, it } from 'vitest';
import type { Config } from '../config/index.ts';
import { Reloader } from './reloader.ts';

/** A reloader whose every apply waits until the test lets it finish. */
function gatedReloader(): { reloader: Reloader; applied: number[]; finishOne: () => void } {
  const applied: number[] = [];
  const gates: (() => void)[] = [];
  const reloader = new Reloader('bulwark.yaml', {
    load: () => Promise.resolve({} as Config),
    apply: () =>
      new Promise<void>((resolve) => {
        applied.push(applied.length + 1);
        gates.push(resolve);
      }),
    onFailure: () => undefined,
  });
  return { reloader, applied, finishOne: () => gates.shift()?.() };
}

/** Lets the event loop turn until `condition` holds; no timers run here, so a few hundred turns are plenty. */
async function until(condition: () => boolean): Promise<void> {
  for (let turns = 0; !condition(); turns++) {
    if (turns > 1_000) throw new Error('the condition never held');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('Reloader.close', () => {
  it('lets the reload under way finish, and skips the queued ones', async () => {
    const { reloader, applied, finishOne } = gatedReloader();
    const first = reloader.reload();
    await until(() => applied.length === 1);
    const queued = [reloader.reload(), reloader.reload()];
    let isClosed = false;
    const closing = reloader.close().then(() => (isClosed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(isClosed).toBe(false);

    finishOne();
    await closing;
    expect(await first).toEqual({ ok: true, generation: 2 });
    const skipped = { ok: false, error: 'skipped: the process is stopping' };
    expect(await Promise.all(queued)).toEqual([skipped, skipped]);
    expect(await reloader.reload()).toEqual(skipped);
    expect(applied).toEqual([1]);
    expect(reloader.status.generation).toBe(2);
  });
});
