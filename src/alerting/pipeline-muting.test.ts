import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { firingAlert, type Labels } from './alert.ts';
import type { NotificationLogEntry } from './alert-store.ts';
import { Harnesses, minuteMs, monitorDown, secondMs, startMs } from '../../test/support/pipeline-harness.ts';
import { poolInhibitRule, type InhibitRule } from './inhibit.ts';
import { equalityMatchers } from './matchers.ts';
import { resolutionBatchMs } from './pipeline.ts';

// The example in docs/alerting.md: a critical alert mutes the warnings of its component.
const criticalMutesWarning: InhibitRule = {
  sourceMatchers: equalityMatchers({ severity: 'critical' }),
  targetMatchers: equalityMatchers({ severity: 'warning' }),
  equal: ['component'],
};

const harnesses = new Harnesses();
afterEach(() => harnesses.closeAll());
afterAll(() => harnesses.remove());

const reasons = async (h: { queued(r?: string): Promise<{ reason: string; status: string }[]> }) =>
  (await h.queued('oncall')).map((n) => `${n.reason}/${n.status}`);

describe('muting an alert the receiver was told about', () => {
  it('still sends its resolution when it resolves inside a maintenance window', async () => {
    let isInMaintenance = false;
    const h = await harnesses.harness({
      maintenanceOf: (labels: Labels) =>
        isInMaintenance && labels['monitor'] === 'api' ? 'mnt-1' : undefined,
    });
    const alert = monitorDown('api', startMs);
    h.pipeline.fire(alert);
    await h.advance(10 * secondMs);
    // The operator opens a window to fix it: the monitor goes to maintenance, so its alert resolves.
    isInMaintenance = true;
    h.pipeline.resolve(alert.fingerprint, h.clock.nowMs());
    await h.advance(resolutionBatchMs);
    expect(await reasons(h)).toEqual(['first/firing', 'resolved/resolved']);
    await h.advance(2 * 60 * minuteMs);
    expect(await reasons(h)).toHaveLength(2);
  });

  it('keeps it as firing in the log while inhibited, without reminders, and sends its resolution', async () => {
    const h = await harnesses.harness();
    const monitor = monitorDown('api-health', startMs, { pool: 'api' });
    h.pipeline.fire(monitor);
    await h.advance(10 * secondMs);
    const poolAlert = firingAlert(
      { alertname: 'pool-degraded', pool: 'api', severity: 'critical', source: 'gateway', component: 'API' },
      { summary: 'pool api: 0% of endpoints healthy' },
      h.clock.nowMs(),
    );
    h.pipeline.fire(poolAlert);
    await h.advance(minuteMs);
    const log = await h.store.notificationLog('oncall', '0:{component="API"}');
    expect(log?.firingFingerprints).toHaveLength(2);
    // The monitor recovers first, while the pool alert still mutes it.
    h.pipeline.resolve(monitor.fingerprint, h.clock.nowMs());
    await h.advance(resolutionBatchMs);
    const sent = await h.queued('oncall');
    expect(sent.map((n) => `${n.reason}/${n.status}`)).toEqual([
      'first/firing',
      'new-alerts/firing',
      'state-change/firing',
    ]);
    expect(sent[1]?.alerts.map((a) => a.labels['alertname'])).toEqual(['pool-degraded']);
    expect(sent[2]?.alerts.map((a) => `${a.labels['alertname']} ${a.status}`)).toEqual([
      'pool-degraded firing',
      'monitor-down resolved',
    ]);
    h.pipeline.resolve(poolAlert.fingerprint, h.clock.nowMs());
    await h.advance(resolutionBatchMs);
    expect((await reasons(h)).at(-1)).toBe('resolved/resolved');
  });

  it('sends the resolution of a silenced alert it was told about (Alertmanager drops it)', async () => {
    const h = await harnesses.harness();
    const alert = monitorDown('api', startMs);
    h.pipeline.fire(alert);
    await h.advance(10 * secondMs);
    h.silences.set('s1', { monitor: 'api' });
    await h.advance(5 * 60 * minuteMs);
    expect(await reasons(h)).toEqual(['first/firing']);
    h.pipeline.resolve(alert.fingerprint, h.clock.nowMs());
    await h.advance(resolutionBatchMs);
    expect(await reasons(h)).toEqual(['first/firing', 'resolved/resolved']);
  });

  it('inhibits by a configured rule listed after the built-in pool rule', async () => {
    const h = await harnesses.harness({ inhibitRules: [poolInhibitRule, criticalMutesWarning] });
    h.pipeline.fire(monitorDown('db', startMs));
    // A warning the built-in rule looks at first (it names a pool) but that no pool alert mutes.
    const slow = firingAlert(
      { alertname: 'monitor-degraded', monitor: 'api', pool: 'api', component: 'API', severity: 'warning' },
      { summary: 'api is slow' },
      startMs,
    );
    h.pipeline.fire(slow);
    await h.advance(10 * secondMs);
    expect((await h.queued('chat')).map((n) => n.alerts.map((a) => a.labels['monitor']))).toEqual([['db']]);
    expect(h.pipeline.firing().find((f) => f.alert.fingerprint === slow.fingerprint)?.suppression).toEqual({
      by: 'inhibition',
    });
  });

  it('tells nothing of an alert muted all along, even when it resolves', async () => {
    const h = await harnesses.harness();
    h.silences.set('s1', { monitor: 'api' });
    const alert = monitorDown('api', startMs);
    h.pipeline.fire(alert);
    await h.advance(10 * secondMs);
    h.pipeline.resolve(alert.fingerprint, h.clock.nowMs());
    await h.advance(minuteMs);
    expect(await h.queued()).toEqual([]);
  });
});

describe('an alert still firing when what muted it ends', () => {
  it('is sent again at the next tick, as a new notification', async () => {
    const h = await harnesses.harness();
    h.pipeline.fire(monitorDown('api', startMs));
    await h.advance(10 * secondMs);
    h.silences.set('s1', { monitor: 'api' });
    await h.advance(2 * minuteMs);
    h.silences.delete('s1');
    await h.advance(minuteMs);
    const sent = await h.queued('oncall');
    expect(sent.map((n) => n.reason)).toEqual(['first', 'first']);
    expect(sent[1]?.id).not.toBe(sent[0]?.id);
    // And only once: the next ticks have nothing new.
    await h.advance(10 * minuteMs);
    expect(await h.queued('oncall')).toHaveLength(2);
  });

  it('after a maintenance window too', async () => {
    let isInMaintenance = false;
    const h = await harnesses.harness({
      maintenanceOf: () => (isInMaintenance ? 'mnt-1' : undefined),
    });
    h.pipeline.fire(monitorDown('api', startMs));
    await h.advance(10 * secondMs);
    isInMaintenance = true;
    await h.advance(30 * minuteMs);
    isInMaintenance = false;
    await h.advance(minuteMs);
    expect(await reasons(h)).toEqual(['first/firing', 'first/firing']);
  });

  it('keeps the same id when the same re-send is decided again after a failed log write', async () => {
    let failLogWrites = 0;
    const h = await harnesses.harness((store) => ({
      store: new Proxy(store, {
        get: (target, key: keyof typeof store) =>
          key === 'putNotificationLog'
            ? async (entry: NotificationLogEntry) => {
                // A crash between queueing and logging, as far as the pipeline can tell.
                if (failLogWrites-- > 0) throw new Error('SQLITE_IOERR: disk I/O error');
                return target.putNotificationLog(entry);
              }
            : (target[key] as (...args: unknown[]) => unknown).bind(target),
      }),
      onError: () => undefined,
    }));
    h.pipeline.fire(monitorDown('api', startMs));
    await h.advance(10 * secondMs);
    h.silences.set('s1', { monitor: 'api' });
    await h.advance(minuteMs);
    h.silences.delete('s1');
    failLogWrites = 1;
    await h.advance(minuteMs); // queued, not logged
    await h.advance(minuteMs); // decided again from the same log: the same notification
    expect((await h.queued('oncall')).map((n) => n.reason)).toEqual(['first', 'first']);
  });
});
