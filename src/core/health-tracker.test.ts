import { describe, expect, it } from 'vitest';
import { HealthTracker, type HealthState } from './health-tracker.ts';

// name, initial state, fall (unhealthyThreshold), rise (healthyThreshold), results (p = pass, f = fail),
// what record() returned per result ('.' nothing, 'U' went up, 'D' went down), final state.
type Scenario = [string, HealthState, number, number, string, string, HealthState];

const scenarios: readonly Scenario[] = [
  ['healthy stays up below fall', 'healthy', 3, 2, 'ffpff', '.....', 'healthy'],
  ['goes down at exactly fall', 'healthy', 3, 2, 'fff', '..D', 'unhealthy'],
  ['a pass resets the failure run', 'healthy', 2, 2, 'fpfpf', '.....', 'healthy'],
  ['comes up at exactly rise', 'unhealthy', 3, 2, 'pp', '.U', 'healthy'],
  ['a fail resets the success run', 'unhealthy', 3, 3, 'ppfppfppp', '........U', 'healthy'],
  ['no repeated transition while down', 'healthy', 1, 1, 'fff', 'D..', 'unhealthy'],
  ['thresholds of one flip on every change', 'healthy', 1, 1, 'fpfp', 'DUDU', 'healthy'],
  ['unknown: first pass decides', 'unknown', 3, 3, 'p', 'U', 'healthy'],
  ['unknown: first fail decides', 'unknown', 3, 3, 'f', 'D', 'unhealthy'],
  ['unknown, then hysteresis applies', 'unknown', 2, 2, 'pfpffpp', 'U...D.U', 'healthy'],
  ['flapping never settles with rise 2', 'unhealthy', 2, 2, 'pfpfpf', '......', 'unhealthy'],
];

describe('HealthTracker', () => {
  it.each(scenarios)('%s', (_name, initial, fall, rise, results, transitions, final) => {
    const tracker = new HealthTracker({ initial, unhealthyThreshold: fall, healthyThreshold: rise });
    const seen = [...results]
      .map((r) => tracker.record(r === 'p'))
      .map((t) => (t === undefined ? '.' : t.to === 'healthy' ? 'U' : 'D'))
      .join('');
    expect(seen).toBe(transitions);
    expect(tracker.state).toBe(final);
  });

  it('reports where it came from and the run that caused the change', () => {
    const tracker = new HealthTracker({ initial: 'healthy', unhealthyThreshold: 3, healthyThreshold: 2 });
    tracker.record(false);
    tracker.record(false);
    expect(tracker.record(false)).toEqual({ from: 'healthy', to: 'unhealthy', consecutive: 3 });
    expect(tracker.consecutiveFailures).toBe(3);
    tracker.record(true);
    expect(tracker.record(true)).toEqual({ from: 'unhealthy', to: 'healthy', consecutive: 2 });
    expect(tracker.consecutiveSuccesses).toBe(2);
  });

  it('starts unknown by default', () => {
    expect(new HealthTracker({ unhealthyThreshold: 1, healthyThreshold: 1 }).state).toBe('unknown');
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects threshold %s', (threshold) => {
    expect(() => new HealthTracker({ unhealthyThreshold: threshold, healthyThreshold: 1 })).toThrow(
      RangeError,
    );
    expect(() => new HealthTracker({ unhealthyThreshold: 1, healthyThreshold: threshold })).toThrow(
      RangeError,
    );
  });
});
