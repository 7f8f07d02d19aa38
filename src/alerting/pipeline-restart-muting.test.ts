import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { firingAlert, type Alert } from './alert.ts';
import { Harnesses, minuteMs, monitorDown, secondMs, startMs } from '../../test/support/pipeline-harness.ts';
import { resolutionBatchMs } from './pipeline.ts';

const harnesses = new Harnesses();
afterEach(() => harnesses.closeAll());
afterAll(() => harnesses.remove());

/** Two pipelines on one database file and clock, the second started after the first stopped. */
async function restartable() {
  const path = await harnesses.path();
  const clock = new FakeClock(startMs);
  const before = await harnesses.harness({}, path, clock);
  return { before, after: async () => harnesses.harness({}, path, clock) };
}

const told = async (h: { queued(r?: string): Promise<{ reason: string; alerts: readonly Alert[] }[]> }) =>
  (await h.queued('oncall')).map(
    (n) =>
      `${n.reason}: ${n.alerts.map((a) => `${a.labels['monitor'] ?? a.labels['alertname'] ?? ''} ${a.status}`).join(', ')}`,
  );

const poolAlert = (atMs: number) =>
  firingAlert(
    { alertname: 'pool-degraded', pool: 'api', severity: 'critical', source: 'gateway', component: 'API' },
    { summary: 'pool api: 0% of endpoints healthy' },
    atMs,
  );

describe('muting across a restart', () => {
  it('sends again an alert receivers were told fires whose silence ended while Bulwark was down', async () => {
    const { before, after } = await restartable();
    const alert = monitorDown('api', startMs);
    before.pipeline.fire(alert);
    await before.advance(10 * secondMs);
    before.silences.set('s1', { monitor: 'api' });
    await before.advance(2 * minuteMs);
    await before.stop();
    // The silence expired meanwhile; the monitor, restored as down since startMs, fires the same episode.
    const h = await after();
    h.pipeline.fire(alert);
    await h.advance(10 * secondMs);
    expect(await told(h)).toEqual(['first: api firing', 'first: api firing']);
    await h.advance(10 * minuteMs);
    expect(await told(h)).toHaveLength(2);
  });

  it('keeps muting what a told pool alert inhibited until its rule fires it again', async () => {
    const { before, after } = await restartable();
    const monitor = monitorDown('api-health', startMs, { pool: 'api' });
    before.pipeline.fire(poolAlert(startMs));
    before.pipeline.fire(monitor);
    await before.advance(10 * secondMs);
    await before.stop();
    // The monitor reports at once; the pool rule fires again only after its `for` (30 s).
    const h = await after();
    h.pipeline.fire(monitor);
    await h.advance(30 * secondMs);
    h.pipeline.fire(poolAlert(h.clock.nowMs()));
    await h.advance(10 * minuteMs);
    h.pipeline.resolveUnreported();
    await h.advance(10 * minuteMs);
    expect(await told(h)).toEqual(['first: pool-degraded firing']);
    expect(h.pipeline.firing().find((f) => f.alert.fingerprint === monitor.fingerprint)?.suppression).toEqual(
      {
        by: 'inhibition',
      },
    );
  });

  it('sends what it inhibited with its resolution when the pool alert does not come back', async () => {
    const { before, after } = await restartable();
    const monitor = monitorDown('api-health', startMs, { pool: 'api' });
    before.pipeline.fire(poolAlert(startMs));
    before.pipeline.fire(monitor);
    await before.advance(10 * secondMs);
    await before.stop();
    const h = await after();
    h.pipeline.fire(monitor);
    await h.advance(minuteMs);
    expect(await told(h)).toEqual(['first: pool-degraded firing']);
    h.pipeline.resolveUnreported();
    await h.advance(resolutionBatchMs);
    expect(await told(h)).toEqual([
      'first: pool-degraded firing',
      'new-alerts: api-health firing, pool-degraded resolved',
    ]);
  });
});

describe('an alert receivers were told fires, not reported again yet after a restart', () => {
  it('keeps its resolution owed while other alerts of its group are sent', async () => {
    const { before, after } = await restartable();
    before.pipeline.fire(monitorDown('api', startMs));
    before.pipeline.fire(monitorDown('login', startMs));
    await before.advance(10 * secondMs);
    await before.stop();
    const h = await after();
    h.pipeline.fire(monitorDown('api', startMs));
    h.pipeline.fire(monitorDown('search', h.clock.nowMs()));
    await h.advance(10 * secondMs);
    h.pipeline.resolveUnreported();
    await h.advance(resolutionBatchMs);
    expect(await told(h)).toEqual([
      'first: api firing, login firing',
      'new-alerts: api firing, search firing',
      'state-change: api firing, search firing, login resolved',
    ]);
  });
});
