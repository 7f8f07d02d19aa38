import { describe, expect, it } from 'vitest';
import { FlapDetector, type PastResult } from './flapping.ts';

describe('FlapDetector (Nagios percent state change over 21 results)', () => {
  it('stays calm for a steady or a single-change history', () => {
    const steady = new FlapDetector();
    for (let i = 0; i < 30; i++) expect(steady.record(true)).toBe(false);
    expect(steady.percentStateChange).toBe(0);
    const once = new FlapDetector();
    for (let i = 0; i < 10; i++) once.record(true);
    for (let i = 0; i < 11; i++) once.record(false);
    expect(once.isFlapping).toBe(false);
    expect(once.percentStateChange).toBeCloseTo((0.8 + (0.4 * 9) / 19) * 5, 9);
  });

  it('starts flapping at 50% and stops only below 25%', () => {
    const detector = new FlapDetector();
    // Alternating results: every step is a change, 100%.
    for (let i = 0; i < 21; i++) detector.record(i % 2 === 0);
    expect(detector.percentStateChange).toBeCloseTo(100, 9);
    expect(detector.isFlapping).toBe(true);
    // Steady results push the changes out of the window one by one; the verdict holds until below 25%.
    const verdicts: [number, boolean][] = [];
    for (let i = 0; i < 21; i++) {
      detector.record(true);
      verdicts.push([detector.percentStateChange, detector.isFlapping]);
    }
    const firstCalm = verdicts.findIndex(([, flapping]) => !flapping);
    expect(verdicts[firstCalm]![0]).toBeLessThan(25);
    expect(verdicts[firstCalm - 1]![0]).toBeGreaterThanOrEqual(25);
    expect(verdicts.slice(0, firstCalm).every(([percent]) => percent < 100)).toBe(true);
  });

  it('weighs recent changes more than old ones', () => {
    const recent = new FlapDetector();
    const old = new FlapDetector();
    for (let i = 0; i < 21; i++) recent.record(i < 20);
    for (let i = 0; i < 21; i++) old.record(i > 0);
    expect(recent.percentStateChange).toBeCloseTo((1.2 / 20) * 100, 9);
    expect(old.percentStateChange).toBeCloseTo((0.8 / 20) * 100, 9);
  });

  it('sees three outages within ten minutes as flapping, however slow each one is for the percent', () => {
    const detector = new FlapDetector();
    const secondMs = 1_000;
    // 20 s down, 20 s up, checked every second: 1 result change in 20, far below 50%.
    let nowMs = 0;
    const edges: boolean[] = [];
    for (let outage = 0; outage < 3; outage++)
      for (const ok of [false, true]) {
        detector.outageEdge(nowMs);
        for (let i = 0; i < 20; i++, nowMs += secondMs) detector.record(ok, nowMs);
        edges.push(detector.isFlapping);
      }
    expect(detector.percentStateChange).toBeLessThan(25);
    expect(edges).toEqual([false, false, false, false, false, true]);
  });

  it('does not count outages spread over more than ten minutes', () => {
    const detector = new FlapDetector();
    for (let edge = 0; edge < 12; edge++) {
      detector.outageEdge(edge * 2.5 * 60_000);
      detector.record(edge % 2 === 1, edge * 2.5 * 60_000);
    }
    expect(detector.isFlapping).toBe(false);
  });

  it('stops flapping only once the state has held for 2 minutes and the percent is low', () => {
    const detector = new FlapDetector();
    for (let edge = 0; edge < 6; edge++) detector.outageEdge(edge * 10_000);
    expect(detector.isFlapping).toBe(true);
    const lastEdgeMs = 50_000;
    // Steady passes every second: the percent is 0 at once, the state has held for under 2 minutes.
    for (let nowMs = lastEdgeMs + 1_000; nowMs < lastEdgeMs + 120_000; nowMs += 1_000)
      expect(detector.record(true, nowMs)).toBe(true);
    expect(detector.record(true, lastEdgeMs + 120_000)).toBe(false);
  });
});

describe('FlapDetector.replayed (after a restart, from stored results)', () => {
  /** 20 s down, 20 s up, and so on, a result per second as stored: passed or not, when, the state after it. */
  const churn = (phases: number): PastResult[] =>
    Array.from({ length: phases * 20 }, (_, i) => {
      const ok = Math.floor(i / 20) % 2 === 1;
      return { ok, atMs: i * 1_000, state: ok ? 'up' : 'down' };
    });

  it('stands where the live detector stood: its percent, its outages and its flag', () => {
    const live = new FlapDetector();
    let previous: string | undefined;
    for (const result of churn(7)) {
      if (previous !== undefined && previous !== result.state) live.outageEdge(result.atMs);
      live.record(result.ok, result.atMs);
      previous = result.state;
    }
    const replayed = FlapDetector.replayed(churn(7), live.isFlapping);
    expect([replayed.percentStateChange, replayed.isFlapping]).toEqual([live.percentStateChange, true]);
    // Its last outage edge came back too: flapping ends 2 minutes after it, not at the first steady result.
    const lastEdgeMs = 120_000;
    const steadyMs = 120_000 + lastEdgeMs;
    expect([live.record(true, steadyMs - 1_000), replayed.record(true, steadyMs - 1_000)]).toEqual([
      true,
      true,
    ]);
    expect([live.record(true, steadyMs), replayed.record(true, steadyMs)]).toEqual([false, false]);
  });

  it('keeps the stored flag where the percent alone cannot tell, and falls back on the replay without one', () => {
    // Alternating results: 100%, flapping; then steady ones until the percent is between 25% and 50%.
    const results: PastResult[] = Array.from({ length: 31 }, (_, i) => {
      const ok = i >= 21 || i % 2 === 0;
      return { ok, atMs: i * 600_000, state: ok ? 'up' : 'down' };
    });
    const percent = FlapDetector.replayed(results.slice(-21), undefined).percentStateChange;
    expect(percent).toBeGreaterThanOrEqual(25);
    expect(percent).toBeLessThan(50);
    // The last 21 results alone never reach 50%: only the stored flag says it is still flapping.
    expect(FlapDetector.replayed(results.slice(-21), true).isFlapping).toBe(true);
    expect(FlapDetector.replayed(results.slice(-21), false).isFlapping).toBe(false);
    expect(FlapDetector.replayed(results, undefined).isFlapping).toBe(true);
  });
});
