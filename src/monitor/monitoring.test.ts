import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { parseAssertion } from '../core/assertion.ts';
import type { Observation } from '../core/observation.ts';
import type { CheckSpec } from './checks/registry.ts';
import { Monitoring, wordOf, type MonitorResult } from './monitoring.ts';
import type { MonitorSpec } from './spec.ts';

const status200 = (() => {
  const parsed = parseAssertion('status == 200');
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.assertion;
})();

function httpMonitor(id: string, overrides: Partial<MonitorSpec> = {}): MonitorSpec {
  return {
    id,
    name: id,
    intervalMs: 1_000,
    timeoutMs: 500,
    assertions: [status200],
    degradedWhen: [],
    failureThreshold: 2,
    successThreshold: 2,
    recheck: { attempts: 0, delayMs: 100 },
    check: {
      kind: 'http',
      url: `http://127.0.0.1/${id}`,
      method: 'GET',
      headers: {},
      followRedirects: true,
      maxBodyBytes: 1024,
    },
    ...overrides,
  };
}

/** Monitoring on a fake clock whose checks answer whatever `answers` says for each URL. */
function setup(answers: Map<string, Observation>) {
  const clock = new FakeClock(0);
  const results: MonitorResult[] = [];
  const changes: string[] = [];
  const quietSlots: string[] = [];
  const heldWords: string[] = [];
  const flappingChanges: string[] = [];
  let runs = 0;
  const monitoring = new Monitoring({
    clock,
    epochNowMs: () => 1_700_000_000_000 + clock.nowMs(),
    runCheck: (spec: CheckSpec) => {
      runs++;
      const url = spec.kind === 'http' ? spec.url : '';
      return Promise.resolve(answers.get(url) ?? { responseTimeMs: 1, error: 'connect ECONNREFUSED' });
    },
    maxConcurrent: 10,
    onResult: (result) => results.push(result),
    onStateChange: (monitor, change) => changes.push(`${monitor.id}: ${change.from} → ${change.to}`),
    onQuietSlot: (monitor) => quietSlots.push(monitor.id),
    onHeldWordChange: (monitor, word) => heldWords.push(`${monitor.id}: ${word.state}`),
    onFlappingChange: (monitor) => flappingChanges.push(monitor.id),
  });
  const advance = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 50) {
      clock.advance(50);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return {
    clock,
    monitoring,
    results,
    changes,
    quietSlots,
    heldWords,
    flappingChanges,
    advance,
    runs: () => runs,
  };
}

describe('Monitoring', () => {
  it('runs each monitor every interval and moves its state by the thresholds', async () => {
    const answers = new Map<string, Observation>([
      ['http://127.0.0.1/api', { responseTimeMs: 12, status: 200 }],
    ]);
    const { monitoring, results, changes, advance } = setup(answers);
    monitoring.set([httpMonitor('api')]);
    await advance(2_000);
    expect(monitoring.get('api')?.state).toBe('up');
    answers.set('http://127.0.0.1/api', { responseTimeMs: 9, status: 503 });
    await advance(3_000);
    expect(changes).toEqual(['api: unknown → up', 'api: up → down']);
    const last = results.at(-1)!;
    expect(last).toMatchObject({
      monitorId: 'api',
      probe: 'local',
      verdict: 'down',
      state: 'down',
      status: 503,
    });
    expect(last.message).toBe('expected status == 200, got 503');
    monitoring.stop();
  });

  it('rechecks a failure before the cycle counts, after the recheck delay', async () => {
    const answers = new Map<string, Observation>();
    const { monitoring, results, advance, runs } = setup(answers);
    monitoring.set([httpMonitor('api', { recheck: { attempts: 2, delayMs: 100 } })]);
    await advance(1_000);
    // One cycle: the first run and two rechecks, one result.
    expect(runs()).toBe(3);
    expect(results).toHaveLength(1);
    monitoring.stop();
  });

  it('runs nothing while paused and resumes on request', async () => {
    const answers = new Map<string, Observation>([
      ['http://127.0.0.1/api', { responseTimeMs: 12, status: 200 }],
    ]);
    const { monitoring, advance, runs, changes } = setup(answers);
    monitoring.set([httpMonitor('api')]);
    await advance(1_000);
    expect(monitoring.pause('api')).toBe(true);
    const before = runs();
    await advance(5_000);
    expect(runs()).toBe(before);
    expect(monitoring.resume('api')).toBe(true);
    await advance(1_000);
    expect(runs()).toBe(before + 1);
    expect(changes).toEqual(['api: unknown → up', 'api: up → paused', 'api: paused → up']);
    expect(monitoring.pause('nope')).toBe(false);
    monitoring.stop();
  });

  it('keeps saying while paused what it said before, at each slot and across a reload that rebuilds its state', async () => {
    const { monitoring, results, quietSlots, advance } = setup(new Map());
    monitoring.set([httpMonitor('api')]);
    await advance(2_000);
    const down = monitoring.get('api')!;
    expect(down.state).toBe('down');
    monitoring.pause('api');
    const word = { state: 'down', sinceMs: down.sinceMs };
    expect(monitoring.get('api')?.heldWord).toEqual(word);
    const resultsBefore = results.length;
    await advance(3_000);
    // No check and no result, but its word again at each of its slots (every 1 s).
    expect([results.length, quietSlots]).toEqual([resultsBefore, ['api', 'api', 'api']]);

    // New thresholds build a new state machine: the pause and what it stands on carry over.
    monitoring.set([httpMonitor('api', { failureThreshold: 3 })]);
    expect(monitoring.get('api')).toMatchObject({ state: 'paused', heldWord: word });
    monitoring.resume('api');
    expect(monitoring.get('api')).toMatchObject({ state: 'down', heldWord: undefined });
    monitoring.stop();
  });

  it('checks at once when maintenance begins and ends, so its time is split at the boundary', async () => {
    const answers = new Map<string, Observation>([
      ['http://127.0.0.1/api', { responseTimeMs: 12, status: 200 }],
    ]);
    const { monitoring, results, advance } = setup(answers);
    monitoring.set([httpMonitor('api', { intervalMs: 60_000 })]);
    await advance(120_000);
    const before = results.length;
    expect(monitoring.setMaintenance('api', true)).toBe(true);
    await advance(100);
    expect(results.slice(before).map((r) => r.state)).toEqual(['maintenance']);
    expect(monitoring.setMaintenance('api', false)).toBe(true);
    await advance(100);
    expect(results.slice(before).map((r) => r.state)).toEqual(['maintenance', 'up']);
    // Asking again changes nothing, so nothing extra runs.
    monitoring.setMaintenance('api', false);
    await advance(100);
    expect(results).toHaveLength(before + 2);
    monitoring.stop();
  });

  it('reports, in maintenance, what its checks come to say under it, and keeps the window across a reload', async () => {
    const answers = new Map<string, Observation>([
      ['http://127.0.0.1/api', { responseTimeMs: 12, status: 200 }],
    ]);
    const { monitoring, changes, heldWords, advance } = setup(answers);
    monitoring.set([httpMonitor('api')]);
    await advance(2_000);
    monitoring.setMaintenance('api', true);
    answers.set('http://127.0.0.1/api', { responseTimeMs: 9, status: 503 });
    await advance(3_000);
    const view = monitoring.get('api')!;
    expect([view.state, view.heldWord?.state, wordOf(view).state]).toEqual([
      'maintenance',
      'down',
      'maintenance',
    ]);
    // No change of state to store it by: its own report, once.
    expect(changes).toEqual(['api: unknown → up', 'api: up → maintenance']);
    expect(heldWords).toEqual(['api: down']);

    // New thresholds build a new state machine: the window (set once, by the status page) carries over.
    monitoring.set([httpMonitor('api', { failureThreshold: 3 })]);
    expect(monitoring.get('api')).toMatchObject({ state: 'maintenance', heldWord: view.heldWord });
    monitoring.stop();
  });

  it('stays paused, unchecked, as a maintenance window starts and ends', async () => {
    const answers = new Map<string, Observation>([
      ['http://127.0.0.1/api', { responseTimeMs: 12, status: 200 }],
    ]);
    const { monitoring, results, changes, advance } = setup(answers);
    monitoring.set([httpMonitor('api')]);
    await advance(2_000);
    monitoring.pause('api');
    const before = results.length;
    monitoring.setMaintenance('api', true);
    await advance(3_000);
    monitoring.setMaintenance('api', false);
    await advance(3_000);
    expect([monitoring.get('api')?.state, results.length]).toEqual(['paused', before]);
    expect(changes).toEqual(['api: unknown → up', 'api: up → paused']);

    // Resumed while a window is open, it is in maintenance, and checks again.
    monitoring.setMaintenance('api', true);
    monitoring.resume('api');
    await advance(1_000);
    expect(monitoring.get('api')?.state).toBe('maintenance');
    expect(results.slice(before).map((r) => r.state)).toEqual(['maintenance']);
    monitoring.stop();
  });

  it('gives a heartbeat monitor a result when maintenance begins and ends, from what its last beat says', async () => {
    const { monitoring, results, advance } = setup(new Map());
    const beat: MonitorSpec = {
      ...httpMonitor('backup'),
      check: { kind: 'heartbeat', expectEveryMs: 60_000, graceMs: 10_000 },
    };
    monitoring.set([beat]);
    // No beat yet and not late: nothing is known, so nothing is recorded.
    monitoring.setMaintenance('backup', true);
    monitoring.setMaintenance('backup', false);
    expect(results).toEqual([]);
    monitoring.heartbeat('backup', { isDown: false });
    await advance(30_000);
    monitoring.setMaintenance('backup', true);
    // The sender reports a failure during maintenance: excluded while it lasts, down once it ends.
    monitoring.heartbeat('backup', { isDown: true, message: 'disk full' });
    monitoring.setMaintenance('backup', false);
    const summary = (from: number) => results.slice(from).map((r) => `${r.verdict}/${r.state}: ${r.message}`);
    expect(summary(1)).toEqual([
      'up/maintenance: heartbeat on time (last 30 s ago)',
      'down/maintenance: disk full',
      'down/down: disk full',
    ]);
    // Late beyond expect_every + grace at a boundary: down for the silence, whatever the last beat said.
    monitoring.heartbeat('backup', { isDown: false });
    await advance(75_000);
    const before = results.length;
    monitoring.setMaintenance('backup', true);
    expect(summary(before)).toEqual(['down/maintenance: no heartbeat for 75 s (expected every 60 s)']);
    monitoring.stop();
  });

  it('marks a heartbeat down once it is late beyond expect_every + grace, and up at the next beat', async () => {
    const { monitoring, changes, advance } = setup(new Map());
    const beat: MonitorSpec = {
      ...httpMonitor('backup'),
      check: { kind: 'heartbeat', expectEveryMs: 10_000, graceMs: 5_000 },
    };
    monitoring.set([beat]);
    await advance(14_000);
    expect(monitoring.get('backup')?.state).toBe('unknown');
    expect(monitoring.heartbeat('backup', { isDown: false })).toBe(true);
    expect(monitoring.get('backup')?.state).toBe('up');
    await advance(14_000);
    expect(monitoring.get('backup')?.state).toBe('up');
    await advance(4_000);
    expect(monitoring.get('backup')?.state).toBe('down');
    expect(monitoring.get('backup')?.lastResult?.message).toMatch(
      /^no heartbeat for 1[5-8] s \(expected every 10 s\)$/,
    );
    monitoring.heartbeat('backup', { isDown: false });
    monitoring.heartbeat('backup', { isDown: true, message: 'disk full' });
    expect(changes).toEqual([
      'backup: unknown → up',
      'backup: up → down',
      'backup: down → up',
      'backup: up → down',
    ]);
    expect(monitoring.get('backup')?.lastResult?.message).toBe('disk full');
    expect(monitoring.heartbeat('api', { isDown: false })).toBe(false);
    monitoring.stop();
  });

  it('says again at each lateness check what a heartbeat on time last said, storing no result for it', async () => {
    const { monitoring, results, quietSlots, advance } = setup(new Map());
    const beat: MonitorSpec = {
      ...httpMonitor('backup'),
      check: { kind: 'heartbeat', expectEveryMs: 4_000, graceMs: 0 },
    };
    monitoring.set([beat]);
    monitoring.heartbeat('backup', { isDown: true, message: 'disk full' });
    // Checked for lateness every second (a quarter of expect_every), on time until 4 s after the call.
    await advance(3_000);
    expect([results.length, quietSlots]).toEqual([1, ['backup', 'backup', 'backup']]);
    expect(monitoring.get('backup')).toMatchObject({ state: 'down', lastResult: { message: 'disk full' } });
    monitoring.stop();
  });

  it('reports a result that turns flapping on without a change of state, to be stored', async () => {
    const answers = new Map<string, Observation>();
    const { monitoring, changes, flappingChanges, advance } = setup(answers);
    // Thresholds of 3: alternating results never move the state, only the percent of changes.
    monitoring.set([httpMonitor('api', { failureThreshold: 3, successThreshold: 3 })]);
    for (let i = 0; i < 21; i++) {
      answers.set('http://127.0.0.1/api', { responseTimeMs: 5, status: i % 2 === 0 ? 200 : 503 });
      await advance(1_000);
    }
    expect(monitoring.get('api')).toMatchObject({ state: 'up', isFlapping: true });
    expect([changes, flappingChanges]).toEqual([['api: unknown → up'], ['api']]);
    monitoring.stop();
  });

  it('reports each heartbeat call to be kept, and nothing for the lateness checks in between', async () => {
    const clock = new FakeClock(0);
    const calls: string[] = [];
    const monitoring = new Monitoring({
      clock,
      epochNowMs: () => clock.nowMs(),
      runCheck: () => Promise.reject(new Error('a heartbeat runs no check')),
      maxConcurrent: 1,
      onHeartbeatCall: (id, atMs) => calls.push(`${id}@${atMs}`),
    });
    monitoring.set([
      { ...httpMonitor('backup'), check: { kind: 'heartbeat', expectEveryMs: 4_000, graceMs: 0 } },
    ]);
    monitoring.heartbeat('backup', { isDown: false });
    for (let t = 0; t < 20_000; t += 500) {
      clock.advance(500);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(monitoring.get('backup')?.state).toBe('down');
    monitoring.heartbeat('backup', { isDown: true });
    expect(calls).toEqual(['backup@0', 'backup@20000']);
    monitoring.stop();
  });

  it('runs a heartbeat deadline from its stored last call, never from one stamped ahead of now', async () => {
    const { monitoring, advance } = setup(new Map());
    const beat = (id: string): MonitorSpec => ({
      ...httpMonitor(id),
      check: { kind: 'heartbeat', expectEveryMs: 10_000, graceMs: 0 },
    });
    const nowMs = 1_700_000_000_000;
    monitoring.set(
      [beat('backup'), beat('ahead')],
      new Map([
        ['backup', { state: 'up', sinceMs: nowMs - 60_000 }],
        ['ahead', { state: 'up', sinceMs: nowMs - 60_000 }],
      ]),
      new Map([
        ['backup', nowMs - 8_000],
        ['ahead', nowMs + 3_600_000],
      ]),
    );
    await advance(6_000);
    expect(monitoring.get('backup')?.state).toBe('down');
    expect(monitoring.get('ahead')?.state).toBe('up');
    await advance(8_000);
    expect(monitoring.get('ahead')?.state).toBe('down');
    monitoring.stop();
  });

  it('keeps state across a reload and seeds new monitors from stored state', async () => {
    const answers = new Map<string, Observation>([
      ['http://127.0.0.1/api', { responseTimeMs: 12, status: 200 }],
    ]);
    const { monitoring, advance } = setup(answers);
    monitoring.set([httpMonitor('api')]);
    await advance(1_500);
    const since = monitoring.get('api')!.sinceMs;
    monitoring.set(
      [httpMonitor('api', { intervalMs: 2_000 }), httpMonitor('db')],
      new Map([['db', { state: 'down', sinceMs: 42 }]]),
    );
    expect(monitoring.get('api')).toMatchObject({ state: 'up', sinceMs: since });
    expect(monitoring.get('db')).toMatchObject({ state: 'down', sinceMs: 42 });
    monitoring.set([httpMonitor('db')]);
    expect(monitoring.get('api')).toBeUndefined();
    monitoring.stop();
  });
});
