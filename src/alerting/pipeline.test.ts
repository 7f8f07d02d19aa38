import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { firingAlert } from './alert.ts';
import {
  Harnesses,
  minuteMs,
  monitorDown,
  secondMs,
  startMs,
  type Harness,
} from '../../test/support/pipeline-harness.ts';
import { resolutionBatchMs, type PipelineDeps } from './pipeline.ts';

const harnesses = new Harnesses();
afterEach(() => harnesses.closeAll());
afterAll(() => harnesses.remove());
const harness = (overrides: Partial<PipelineDeps> = {}, path?: string): Promise<Harness> =>
  harnesses.harness(overrides, path);

describe('AlertPipeline', () => {
  it('waits group_wait, then sends one notification per receiver for the whole group', async () => {
    const h = await harness();
    for (let i = 0; i < 50; i++) h.pipeline.fire(monitorDown(`m${i}`, startMs));
    await h.advance(9 * secondMs);
    expect(await h.queued()).toEqual([]);
    await h.advance(1 * secondMs);
    const oncall = await h.queued('oncall');
    const chat = await h.queued('chat');
    expect(oncall).toHaveLength(1);
    expect(chat).toHaveLength(1);
    expect(oncall[0]).toMatchObject({ status: 'firing', reason: 'first', groupLabels: { component: 'API' } });
    expect(oncall[0]?.alerts).toHaveLength(50);
    expect(oncall[0]?.commonLabels).toMatchObject({ alertname: 'monitor-down', component: 'API' });
  });

  it('leaves a group_by label the alerts lack out of groupLabels, as Alertmanager does', async () => {
    const h = await harness();
    h.pipeline.fire(firingAlert({ alertname: 'slow', severity: 'warning' }, {}, startMs));
    await h.advance(10 * secondMs);
    const [sent] = await h.queued('chat');
    expect(sent?.groupLabels).toEqual({});
    expect(sent?.groupKey).toContain('component=""');
  });

  it('routes by the tree: continue lets a critical alert reach both routes, a warning only the catch-all', async () => {
    const h = await harness();
    h.pipeline.fire(firingAlert({ alertname: 'slow', component: 'DB', severity: 'warning' }, {}, startMs));
    await h.advance(10 * secondMs);
    expect((await h.queued()).map((n) => n.receiver)).toEqual(['chat']);
  });

  it('delivers a resolution at once, not at the next group_interval tick', async () => {
    const h = await harness();
    const alert = monitorDown('api', startMs);
    h.pipeline.fire(alert);
    await h.advance(10 * secondMs);
    await h.advance(5 * secondMs);
    h.pipeline.resolve(alert.fingerprint, h.clock.nowMs());
    await h.advance(resolutionBatchMs);
    const chat = await h.queued('chat');
    expect(chat.map((n) => n.reason)).toEqual(['first', 'resolved']);
    expect(chat[1]).toMatchObject({
      status: 'resolved',
      createdAtMs: startMs + 15 * secondMs + resolutionBatchMs,
    });
    expect(chat[1]?.alerts[0]).toMatchObject({ status: 'resolved', endsAtMs: startMs + 15 * secondMs });
  });

  it('batches resolutions that arrive together: a fleet recovering sends one message, not one per alert', async () => {
    const h = await harness();
    const alerts = Array.from({ length: 200 }, (_, i) => monitorDown(`m${i}`, startMs));
    for (const alert of alerts) h.pipeline.fire(alert);
    await h.advance(10 * secondMs);
    // Recoveries trickle in over the batch window, as checks spread over their interval report them.
    for (const [i, alert] of alerts.entries()) {
      h.clock.advance(i % 2);
      h.pipeline.resolve(alert.fingerprint, h.clock.nowMs());
    }
    await h.advance(resolutionBatchMs);
    const chat = await h.queued('chat');
    expect(chat.map((n) => n.reason)).toEqual(['first', 'resolved']);
    expect(chat[1]?.alerts).toHaveLength(200);
  });

  it('reports an alert that fired and resolved between two notifications once, as resolved', async () => {
    const h = await harness();
    const first = monitorDown('api', startMs);
    h.pipeline.fire(first);
    await h.advance(10 * secondMs);
    // A second monitor fires after the group's first notification and recovers before the next tick.
    const brief = monitorDown('login', h.clock.nowMs());
    h.pipeline.fire(brief);
    await h.advance(20 * secondMs);
    h.pipeline.resolve(brief.fingerprint, h.clock.nowMs());
    await h.advance(resolutionBatchMs);
    const chat = await h.queued('chat');
    expect(chat.map((n) => n.reason)).toEqual(['first', 'state-change']);
    expect(chat[1]?.alerts.find((a) => a.fingerprint === brief.fingerprint)).toMatchObject({
      status: 'resolved',
      endsAtMs: brief.startsAtMs + 20 * secondMs,
    });
    // The next tick has nothing new to say.
    await h.advance(minuteMs);
    expect(await h.queued('chat')).toHaveLength(2);
  });

  it('reports a brief alert resolved inside group_wait once, as resolved', async () => {
    const h = await harness();
    const alert = monitorDown('api', startMs);
    h.pipeline.fire(alert);
    await h.advance(3 * secondMs);
    h.pipeline.resolve(alert.fingerprint, h.clock.nowMs());
    await h.advance(resolutionBatchMs);
    await h.advance(5 * minuteMs);
    const chat = await h.queued('chat');
    expect(chat).toHaveLength(1);
    expect(chat[0]).toMatchObject({ status: 'resolved', reason: 'resolved' });
  });

  it('adds alerts that join a notified group at the next group_interval tick', async () => {
    const h = await harness();
    h.pipeline.fire(monitorDown('api', startMs));
    await h.advance(10 * secondMs);
    h.pipeline.fire(monitorDown('login', h.clock.nowMs()));
    await h.advance(59 * secondMs);
    expect(await h.queued('chat')).toHaveLength(1);
    await h.advance(1 * secondMs);
    const chat = await h.queued('chat');
    expect(chat.map((n) => n.reason)).toEqual(['first', 'new-alerts']);
    expect(chat[1]?.alerts).toHaveLength(2);
  });

  it('repeats after repeat_interval, and not while every firing alert is acknowledged', async () => {
    const h = await harness();
    const alert = monitorDown('api', startMs);
    h.pipeline.fire(alert);
    await h.advance(10 * secondMs);
    await h.advance(4 * 60 * minuteMs);
    expect((await h.queued('chat')).map((n) => n.reason)).toEqual(['first', 'repeat']);
    h.acked.add(`${alert.fingerprint}@${alert.startsAtMs}`);
    await h.advance(8 * 60 * minuteMs);
    expect(await h.queued('chat')).toHaveLength(2);
    // A change of state is news again: the resolution goes out although the alert was acknowledged.
    h.pipeline.resolve(alert.fingerprint, h.clock.nowMs());
    await h.advance(resolutionBatchMs);
    expect((await h.queued('chat')).map((n) => n.reason)).toEqual(['first', 'repeat', 'resolved']);
  });

  it('mutes alerts of monitors behind a firing pool alert (inhibition)', async () => {
    const h = await harness();
    const poolAlert = firingAlert(
      { alertname: 'pool-degraded', pool: 'api', severity: 'critical', source: 'gateway', component: 'API' },
      { summary: 'pool api: 0% of endpoints healthy' },
      startMs,
    );
    h.pipeline.fire(poolAlert);
    h.pipeline.fire(monitorDown('api-health', startMs, { pool: 'api' }));
    h.pipeline.fire(monitorDown('unrelated', startMs, { component: 'API' }));
    await h.advance(10 * secondMs);
    const sent = (await h.queued('chat'))[0];
    expect(sent?.alerts.map((a) => a.labels['monitor'] ?? a.labels['alertname']).sort()).toEqual([
      'pool-degraded',
      'unrelated',
    ]);
    expect(h.pipeline.firing().find((f) => f.alert.labels['monitor'] === 'api-health')?.suppression).toEqual({
      by: 'inhibition',
    });
  });

  it('holds back silenced alerts and sends them when the silence ends', async () => {
    const h = await harness();
    h.silences.set('s1', { monitor: 'api' });
    h.pipeline.fire(monitorDown('api', startMs));
    await h.advance(10 * secondMs);
    expect(await h.queued()).toEqual([]);
    h.silences.delete('s1');
    await h.advance(minuteMs);
    expect((await h.queued('chat')).map((n) => n.reason)).toEqual(['first']);
  });

  it('holds back alerts under maintenance', async () => {
    const h = await harness({
      maintenanceOf: (labels) => (labels['component'] === 'API' ? 'mnt-1' : undefined),
    });
    const alert = monitorDown('api', startMs);
    h.pipeline.fire(alert);
    await h.advance(10 * secondMs);
    h.pipeline.resolve(alert.fingerprint, h.clock.nowMs());
    await h.advance(minuteMs);
    expect(await h.queued()).toEqual([]);
    expect(h.pipeline.firing()).toEqual([]);
  });

  it('does not notify again after a restart for alerts receivers already heard about', async () => {
    const path = await harnesses.path();
    const first = await harness({}, path);
    const alert = monitorDown('api', startMs);
    first.pipeline.fire(alert);
    await first.advance(10 * secondMs);
    await first.stop();

    const second = await harness({}, path);
    second.clock.advance(5 * minuteMs);
    // The monitor's state was restored as down since startMs: the same alert, the same episode.
    second.pipeline.fire(alert);
    await second.advance(10 * secondMs);
    expect((await second.queued('chat')).map((n) => n.reason)).toEqual(['first']);
    second.pipeline.resolve(alert.fingerprint, second.clock.nowMs());
    await second.advance(resolutionBatchMs);
    expect((await second.queued('chat')).map((n) => n.reason)).toEqual(['first', 'resolved']);
  });

  it('keeps a group ticking after a failed flush: the next group_interval retries it, on one timer', async () => {
    const errors: unknown[] = [];
    let failures = 2;
    const h = await harnesses.harness((store) => ({
      // The store refuses a write per group, as SQLite does when another connection holds the lock too long.
      store: new Proxy(store, {
        get: (target, key: keyof typeof store) =>
          key === 'enqueue'
            ? async (...args: Parameters<typeof store.enqueue>) => {
                if (failures-- > 0) throw new Error('SQLITE_BUSY: database is locked');
                return target.enqueue(...args);
              }
            : (target[key] as (...args: unknown[]) => unknown).bind(target),
      }),
      onError: (error) => errors.push(error),
    }));
    h.pipeline.fire(monitorDown('api', startMs));
    await h.advance(10 * secondMs);
    expect(errors).toHaveLength(2);
    expect(await h.queued()).toEqual([]);
    expect(h.clock.pendingTimers).toBe(2); // one per group: critical → oncall, everything → chat
    await h.advance(minuteMs);
    expect((await h.queued()).map((n) => `${n.receiver} ${n.reason}`).sort()).toEqual([
      'chat first',
      'oncall first',
    ]);
    await h.advance(10 * minuteMs);
    expect(await h.queued()).toHaveLength(2);
    expect(h.clock.pendingTimers).toBe(2);
  });

  it('gives a notification an id derived from its content, so a replayed decision is queued once', async () => {
    const h = await harness();
    h.pipeline.fire(monitorDown('api', startMs));
    await h.advance(10 * secondMs);
    const [sent] = await h.queued('chat');
    await h.store.enqueue([sent!]);
    expect(await h.queued('chat')).toHaveLength(1);
    expect(sent?.id).toMatch(/^ntf_[0-9a-f]{32}$/);
  });
});
