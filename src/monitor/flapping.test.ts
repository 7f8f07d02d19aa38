import { describe, expect, it } from 'vitest';
import { FlapDetector } from './flapping.ts';

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
