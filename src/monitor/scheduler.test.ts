import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { phaseOf, Scheduler, type ScheduledJob } from './scheduler.ts';

/** Jobs that record when they started and finish when the test says (or at once). */
function jobs(clock: FakeClock, count: number, intervalMs: number, durationMs = 0) {
  const starts = new Map<string, number[]>();
  const list: ScheduledJob[] = Array.from({ length: count }, (_, i) => {
    const id = `monitor-${i}`;
    starts.set(id, []);
    return {
      id,
      intervalMs,
      run: () => {
        starts.get(id)!.push(clock.nowMs());
        return new Promise<void>((resolve) => {
          if (durationMs === 0) resolve();
          else clock.setTimer(durationMs, resolve);
        });
      },
    };
  });
  return { list, starts };
}

/** Lets the promise callbacks of finished runs settle between fake-clock steps. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function advance(clock: FakeClock, totalMs: number, stepMs = 10): Promise<void> {
  for (let t = 0; t < totalMs; t += stepMs) {
    clock.advance(stepMs);
    await settle();
  }
}

describe('Scheduler', () => {
  it('spreads jobs evenly over their interval instead of starting them together', async () => {
    const clock = new FakeClock(0);
    const { list, starts } = jobs(clock, 1_000, 30_000);
    const scheduler = new Scheduler({ clock, maxConcurrent: 100 });
    scheduler.set(list);
    await advance(clock, 30_000, 100);
    const firstStarts = [...starts.values()].map((s) => s[0]!);
    expect(firstStarts.every((t) => t !== undefined)).toBe(true);
    // Per 3 s tenth of the interval, about a tenth of the jobs (±40%).
    const perTenth = Array.from(
      { length: 10 },
      (_, i) => firstStarts.filter((t) => t >= i * 3_000 && t < (i + 1) * 3_000).length,
    );
    expect(Math.min(...perTenth)).toBeGreaterThan(60);
    expect(Math.max(...perTenth)).toBeLessThan(140);
    scheduler.stop();
  });

  it('never drifts: every start stays on its grid for hours', async () => {
    const clock = new FakeClock(0);
    const { list, starts } = jobs(clock, 3, 1_000, 7);
    const scheduler = new Scheduler({ clock, maxConcurrent: 10 });
    scheduler.set(list);
    await advance(clock, 3 * 3_600_000, 1_000 / 8);
    for (const [id, times] of starts) {
      expect(times.length).toBeGreaterThanOrEqual(3 * 3_600 - 1);
      const phase = phaseOf(id, 1_000);
      // Every start sits on phase + k × interval, to within one fake-clock step.
      expect(times.every((t) => (((t - phase) % 1_000) + 1_000) % 1_000 < 125)).toBe(true);
    }
    scheduler.stop();
  });

  it('caps concurrency, and reports how late each start was', async () => {
    const clock = new FakeClock(0);
    const { list } = jobs(clock, 10, 10_000, 1_000);
    const lateness: number[] = [];
    const scheduler = new Scheduler({ clock, maxConcurrent: 2, onLateness: (ms) => lateness.push(ms) });
    scheduler.set(list);
    let peak = 0;
    for (let t = 0; t < 10_000; t += 10) {
      clock.advance(10);
      await settle();
      peak = Math.max(peak, scheduler.running);
    }
    expect(peak).toBe(2);
    expect(lateness).toHaveLength(10);
    scheduler.stop();
  });

  it('skips a turn while the previous run of the same job is still going', async () => {
    const clock = new FakeClock(0);
    const { list, starts } = jobs(clock, 1, 1_000, 2_500);
    const scheduler = new Scheduler({ clock, maxConcurrent: 10 });
    scheduler.set(list);
    await advance(clock, 10_000);
    expect(starts.get('monitor-0')!.length).toBeLessThanOrEqual(4);
    expect(scheduler.skipped).toBeGreaterThanOrEqual(6);
    scheduler.stop();
  });

  it('keeps a job’s slot across a reload, places new ones on their grid and stops removed ones', async () => {
    const clock = new FakeClock(0);
    const { list, starts } = jobs(clock, 3, 1_000);
    const scheduler = new Scheduler({ clock, maxConcurrent: 10 });
    scheduler.set(list);
    await advance(clock, 2_000);
    const before = starts.get('monitor-0')!.length;
    scheduler.set([list[0]!, list[1]!]);
    const removedCount = starts.get('monitor-2')!.length;
    await advance(clock, 2_000);
    expect(starts.get('monitor-0')!.length).toBe(before + 2);
    expect(starts.get('monitor-2')!.length).toBe(removedCount);
    scheduler.stop();
  });

  it('keeps running when a job throws or rejects', async () => {
    const clock = new FakeClock(0);
    let runs = 0;
    const scheduler = new Scheduler({ clock, maxConcurrent: 1 });
    scheduler.set([
      {
        id: 'bad',
        intervalMs: 100,
        run: () => {
          runs++;
          if (runs % 2 === 0) throw new Error('sync bug');
          return Promise.reject(new Error('async failure'));
        },
      },
    ]);
    await advance(clock, 1_000);
    expect(runs).toBeGreaterThanOrEqual(9);
    scheduler.stop();
  });
});
