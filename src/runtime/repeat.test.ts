import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { repeatEvery } from './repeat.ts';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('repeatEvery', () => {
  it('runs the task each interval after the last run, survives a failure, and stops for good', async () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    let runs = 0;
    let release: (() => void) | undefined;
    const stop = repeatEvery(
      clock,
      1_000,
      async () => {
        runs++;
        if (runs === 2) throw new Error('boom');
        if (runs === 3) await new Promise<void>((resolve) => (release = resolve));
      },
      (error) => errors.push(error),
    );
    clock.advance(999);
    expect(runs).toBe(0);
    clock.advance(1);
    await settle();
    expect(runs).toBe(1);
    clock.advance(1_000);
    await settle();
    expect(runs).toBe(2);
    expect(errors).toHaveLength(1);
    clock.advance(1_000);
    await settle();
    expect(runs).toBe(3);
    // Still running: no second run starts, however long it takes.
    clock.advance(5_000);
    await settle();
    expect(runs).toBe(3);
    // Stopped mid-run: the run that ends afterwards does not schedule another.
    stop();
    release?.();
    await settle();
    clock.advance(5_000);
    await settle();
    expect(runs).toBe(3);
  });
});
