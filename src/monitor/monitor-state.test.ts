import { describe, expect, it } from 'vitest';
import { MonitorStatus, type CycleVerdict } from './monitor-state.ts';

const thresholds = { failureThreshold: 3, successThreshold: 2 };

function run(status: MonitorStatus, verdicts: readonly CycleVerdict[], startMs = 1_000): string[] {
  return verdicts.map((verdict, i) => {
    status.record(verdict, startMs + i * 1_000);
    return status.state;
  });
}

describe('MonitorStatus', () => {
  it('decides from unknown on the first cycle, then needs 3 failures to go down and 2 successes to come up', () => {
    const status = new MonitorStatus(thresholds, { nowMs: 0 });
    expect(status.state).toBe('unknown');
    expect(run(status, ['up', 'down', 'down', 'down', 'up', 'down', 'up', 'up'])).toEqual([
      'up',
      'up',
      'up',
      'down',
      'down',
      'down',
      'down',
      'up',
    ]);
    expect(status.sinceMs).toBe(8_000);
  });

  it('is degraded while cycles pass slowly, and keeps degraded through a failure below the threshold', () => {
    const status = new MonitorStatus(thresholds, { nowMs: 0 });
    expect(run(status, ['up', 'degraded', 'down', 'degraded', 'up'])).toEqual([
      'up',
      'degraded',
      'degraded',
      'degraded',
      'up',
    ]);
  });

  it('reports each change once, with its time', () => {
    const status = new MonitorStatus(thresholds, { nowMs: 0 });
    expect(status.record('up', 10)).toEqual({ from: 'unknown', to: 'up', atMs: 10 });
    expect(status.record('up', 20)).toBeUndefined();
    expect(status.record('degraded', 30)).toEqual({ from: 'up', to: 'degraded', atMs: 30 });
  });

  it('holds paused and maintenance over what the cycles say, and shows the truth when lifted', () => {
    const status = new MonitorStatus(thresholds, { nowMs: 0 });
    status.record('up', 1);
    expect(status.setMaintenance(true, 2)).toEqual({ from: 'up', to: 'maintenance', atMs: 2 });
    run(status, ['down', 'down', 'down'], 3);
    expect(status.state).toBe('maintenance');
    expect(status.setMaintenance(false, 10)).toEqual({ from: 'maintenance', to: 'down', atMs: 10 });
    expect(status.pause(11)).toEqual({ from: 'down', to: 'paused', atMs: 11 });
    expect(status.resume(12)).toEqual({ from: 'paused', to: 'down', atMs: 12 });
    expect(status.resume(13)).toBeUndefined();
  });

  it('restores a stored state and its start, so a restart does not reset "down since"', () => {
    const status = new MonitorStatus(thresholds, { state: 'down', sinceMs: 500 });
    expect(status.state).toBe('down');
    expect(run(status, ['up'])).toEqual(['down']);
    expect(status.sinceMs).toBe(500);
    expect(run(status, ['up'], 2_000)).toEqual(['up']);
  });

  it('stores, while paused, what it said before the pause, and restored from that resumes where it stood', () => {
    const status = new MonitorStatus(thresholds, { state: 'down', sinceMs: 500 });
    status.pause(1_000);
    expect(status.heldWord).toEqual({ state: 'down', sinceMs: 500 });
    expect(status.stored).toEqual({ state: 'down', sinceMs: 500, pausedSinceMs: 1_000 });

    const restored = new MonitorStatus(thresholds, status.stored);
    expect([restored.state, restored.sinceMs]).toEqual(['paused', 1_000]);
    expect(restored.heldWord).toEqual({ state: 'down', sinceMs: 500 });
    expect(restored.resume(2_000)).toEqual({ from: 'paused', to: 'down', atMs: 2_000 });
    expect(restored.stored).toEqual({ state: 'down', sinceMs: 2_000 });
    // Its first checks decide, with the hysteresis of a monitor that is down: two successes to come up.
    expect(run(restored, ['up', 'up'], 3_000)).toEqual(['down', 'up']);
  });

  // Checks go on in a window: what they say is kept under `maintenance`, so a restart does not lose it.
  it('keeps under maintenance what its checks say, stores that, and restored from it says it again', () => {
    const status = new MonitorStatus(thresholds, { state: 'down', sinceMs: 500 });
    expect(status.setMaintenance(true, 1_000)).toEqual({ from: 'down', to: 'maintenance', atMs: 1_000 });
    expect(status.heldWord).toEqual({ state: 'down', sinceMs: 500 });
    expect(status.stored).toEqual({ state: 'down', sinceMs: 500 });
    expect(run(status, ['up', 'up'], 2_000)).toEqual(['maintenance', 'maintenance']);
    expect([status.heldWord, status.stored]).toEqual([
      { state: 'up', sinceMs: 3_000 },
      { state: 'up', sinceMs: 3_000 },
    ]);

    // Stored, maintenance is left to the windows, which set it again; a rebuild in process keeps it.
    const restored = new MonitorStatus(thresholds, status.stored);
    expect([restored.state, restored.sinceMs]).toEqual(['up', 3_000]);
    const rebuilt = new MonitorStatus(thresholds, status.seed);
    expect([rebuilt.state, rebuilt.sinceMs, rebuilt.heldWord]).toEqual([
      'maintenance',
      1_000,
      { state: 'up', sinceMs: 3_000 },
    ]);
    expect(rebuilt.setMaintenance(false, 4_000)).toEqual({ from: 'maintenance', to: 'up', atMs: 4_000 });
  });

  it('stays paused as a maintenance window starts and ends, and resumed within one is in maintenance', () => {
    const status = new MonitorStatus(thresholds, { state: 'down', sinceMs: 500 });
    status.pause(1_000);
    expect(status.setMaintenance(true, 2_000)).toBeUndefined();
    expect(status.setMaintenance(false, 3_000)).toBeUndefined();
    expect([status.state, status.sinceMs, status.heldWord]).toEqual([
      'paused',
      1_000,
      { state: 'down', sinceMs: 500 },
    ]);
    expect(status.stored).toEqual({ state: 'down', sinceMs: 500, pausedSinceMs: 1_000 });

    expect(status.setMaintenance(true, 4_000)).toBeUndefined();
    expect(status.resume(5_000)).toEqual({ from: 'paused', to: 'maintenance', atMs: 5_000 });
    // Paused again within the window, which then ends: still paused.
    expect(status.pause(6_000)).toEqual({ from: 'maintenance', to: 'paused', atMs: 6_000 });
    expect(status.setMaintenance(false, 7_000)).toBeUndefined();
    expect(status.resume(8_000)).toEqual({ from: 'paused', to: 'down', atMs: 8_000 });
  });

  it('flags flapping when cycles alternate', () => {
    const status = new MonitorStatus({ failureThreshold: 1, successThreshold: 1 }, { nowMs: 0 });
    run(
      status,
      Array.from({ length: 21 }, (_, i) => (i % 2 === 0 ? 'up' : 'down')),
    );
    expect(status.isFlapping).toBe(true);
  });

  it('flags a slow churn (20 s down, 20 s up, checked every second) at its third outage', () => {
    const status = new MonitorStatus(thresholds, { nowMs: 0 });
    let nowMs = 0;
    for (let i = 0; i < 20; i++) status.record('up', (nowMs += 1_000));
    const flappingAfterOutage: boolean[] = [];
    for (let outage = 0; outage < 4; outage++) {
      for (const verdict of ['down', 'up'] as const)
        for (let i = 0; i < 20; i++) status.record(verdict, (nowMs += 1_000));
      flappingAfterOutage.push(status.isFlapping);
    }
    expect(flappingAfterOutage).toEqual([false, false, true, true]);
  });
});
