import { describe, expect, it } from 'vitest';
import type { Alert } from '../alert.ts';
import { MonitorAlerts, type MonitorSignal } from './monitor-alerts.ts';

function recorder() {
  const events: string[] = [];
  const firing = new Map<string, Alert>();
  return {
    events,
    firing,
    sink: {
      fire(alert: Alert) {
        if (!firing.has(alert.fingerprint))
          events.push(`fire ${alert.labels['alertname']} @${alert.startsAtMs}`);
        firing.set(alert.fingerprint, alert);
      },
      resolve(fingerprint: string, endsAtMs?: number) {
        const alert = firing.get(fingerprint);
        firing.delete(fingerprint);
        events.push(`resolve ${alert?.labels['alertname']} @${endsAtMs}`);
      },
    },
  };
}

const base: MonitorSignal = {
  id: 'public-api',
  name: 'Public API',
  state: 'up',
  sinceMs: 0,
  isFlapping: false,
  labels: { component: 'API', pool: 'api' },
};

describe('MonitorAlerts', () => {
  it('fires on down (from the state since), resolves on up, and carries the monitor labels', () => {
    const r = recorder();
    const alerts = new MonitorAlerts(r.sink, { warning: 14, critical: 7 });
    alerts.update({ ...base, state: 'down', sinceMs: 100, message: 'expected status == 200, got 503' }, 130);
    alerts.update({ ...base, state: 'down', sinceMs: 100 }, 160);
    alerts.update({ ...base, state: 'up', sinceMs: 190 }, 190);
    expect(r.events).toEqual(['fire monitor-down @100', 'resolve monitor-down @190']);
  });

  it('labels: alertname, monitor, severity (overridable), source, plus the configured ones', () => {
    const r = recorder();
    new MonitorAlerts(r.sink, { warning: 14, critical: 7 }).update(
      { ...base, state: 'down', labels: { ...base.labels, severity: 'warning' }, message: 'timeout' },
      5,
    );
    const [alert] = r.firing.values();
    expect(alert?.labels).toEqual({
      alertname: 'monitor-down',
      monitor: 'public-api',
      severity: 'warning',
      source: 'monitor',
      component: 'API',
      pool: 'api',
    });
    expect(alert?.annotations).toEqual({ summary: 'Public API is down: timeout' });
  });

  it('while flapping only the flapping alert stands', () => {
    const r = recorder();
    const alerts = new MonitorAlerts(r.sink, { warning: 14, critical: 7 });
    alerts.update({ ...base, state: 'down', sinceMs: 10 }, 10);
    alerts.update({ ...base, state: 'up', sinceMs: 20, isFlapping: true }, 20);
    alerts.update({ ...base, state: 'down', sinceMs: 30, isFlapping: true }, 30);
    alerts.update({ ...base, state: 'up', sinceMs: 40, isFlapping: true }, 40);
    alerts.update({ ...base, state: 'up', sinceMs: 40, isFlapping: false }, 50);
    expect(r.events).toEqual([
      'fire monitor-down @10',
      'resolve monitor-down @20',
      'fire monitor-flapping @20',
      'resolve monitor-flapping @50',
    ]);
  });

  it('warns, then pages, as a certificate nears expiry', () => {
    const r = recorder();
    const alerts = new MonitorAlerts(r.sink, { warning: 14, critical: 7 });
    alerts.update({ ...base, certDaysLeft: 30 }, 1);
    alerts.update({ ...base, certDaysLeft: 13 }, 2);
    alerts.update({ ...base, certDaysLeft: 13 }, 3);
    alerts.update({ ...base, certDaysLeft: 6 }, 4);
    alerts.update({ ...base, certDaysLeft: 90 }, 5);
    expect(r.events).toEqual([
      'fire cert-expiry @2',
      'resolve cert-expiry @4',
      'fire cert-expiry @4',
      'resolve cert-expiry @5',
    ]);
    expect([...r.firing.values()]).toEqual([]);
  });

  // A pause stops the checks; the target may still be failing, and "resolved" would close the page's incident.
  it('leaves what a monitor raised standing while it is paused: no resolution until it is checked up', () => {
    const r = recorder();
    const alerts = new MonitorAlerts(r.sink, { warning: 14, critical: 7 });
    alerts.update({ ...base, state: 'down', sinceMs: 100, message: 'got 503' }, 100);
    alerts.update({ ...base, state: 'paused', sinceMs: 200 }, 200);
    expect(r.events).toEqual(['fire monitor-down @100']);
    expect([...r.firing.values()].map((a) => a.status)).toEqual(['firing']);
    // Resumed and still down: the same episode goes on, from when it began (not from the resume).
    alerts.update({ ...base, state: 'down', sinceMs: 300, message: 'got 503' }, 300);
    expect([...r.firing.values()].map((a) => a.startsAtMs)).toEqual([100]);
    alerts.update({ ...base, state: 'up', sinceMs: 400 }, 400);
    expect(r.events).toEqual(['fire monitor-down @100', 'resolve monitor-down @400']);
  });

  // A window mutes (the pipeline's maintenance step); resolving would tell receivers the target recovered.
  it('leaves what a monitor raised standing through a maintenance window: no resolution until checked up after it', () => {
    const r = recorder();
    const alerts = new MonitorAlerts(r.sink, { warning: 14, critical: 7 });
    const inWindow = { ...base, isInMaintenance: true };
    alerts.update({ ...base, state: 'down', sinceMs: 100, message: 'got 503' }, 100);
    alerts.update({ ...inWindow, state: 'down', sinceMs: 100 }, 200);
    // Its checks find it up during the window: said, but not told as a resolution yet.
    alerts.update({ ...inWindow, state: 'up', sinceMs: 250 }, 250);
    expect(r.events).toEqual(['fire monitor-down @100']);
    // The window ended with the target down again: the same episode, from when it began.
    alerts.update({ ...base, state: 'down', sinceMs: 300, message: 'got 503' }, 300);
    expect([...r.firing.values()].map((a) => a.startsAtMs)).toEqual([100]);
    // Recovered during the next window: the resolution is owed once it ends.
    alerts.update({ ...inWindow, state: 'up', sinceMs: 350 }, 350);
    alerts.update({ ...base, state: 'up', sinceMs: 400 }, 400);
    expect(r.events).toEqual(['fire monitor-down @100', 'resolve monitor-down @400']);
  });

  // After a restart in a window nothing stands in memory: what the monitor says must raise it again.
  it('raises in a maintenance window what the monitor says, for the window to mute rather than to resolve', () => {
    const r = recorder();
    const alerts = new MonitorAlerts(r.sink, { warning: 14, critical: 7 });
    const inWindow = { ...base, isInMaintenance: true };
    alerts.update({ ...inWindow, state: 'down', sinceMs: 100, message: 'got 503' }, 500);
    alerts.update({ ...inWindow, state: 'up', sinceMs: 600 }, 600);
    expect(r.events).toEqual(['fire monitor-down @100']);
    alerts.update({ ...base, state: 'up', sinceMs: 700 }, 700);
    expect(r.events).toEqual(['fire monitor-down @100', 'resolve monitor-down @700']);
  });

  // After a restart in a window it recovered in: only the notification log still knows what it raised.
  it('takes back in a maintenance window what receivers were told it raised, and resolves that after the window', () => {
    const before = recorder();
    new MonitorAlerts(before.sink, { warning: 14, critical: 7 }).update(
      { ...base, state: 'down', sinceMs: 100 },
      100,
    );
    const [told] = [...before.firing.values()];
    const others = { ...told!, fingerprint: 'other', labels: { ...told!.labels, monitor: 'other' } };
    const r = recorder();
    const sink = { ...r.sink, toldUnreported: () => [told!, others] };
    const alerts = new MonitorAlerts(sink, { warning: 14, critical: 7 });
    alerts.update({ ...base, state: 'up', sinceMs: 600, isInMaintenance: true }, 600);
    expect(r.events).toEqual(['fire monitor-down @100']);
    alerts.update({ ...base, state: 'up', sinceMs: 700 }, 700);
    expect(r.events).toEqual(['fire monitor-down @100', 'resolve monitor-down @700']);
  });

  it('resolves the alerts of monitors removed by a reload', () => {
    const r = recorder();
    const alerts = new MonitorAlerts(r.sink, { warning: 14, critical: 7 });
    alerts.update({ ...base, state: 'down' }, 1);
    alerts.retain(new Set(['other']), 9);
    expect(r.events).toEqual(['fire monitor-down @0', 'resolve monitor-down @9']);
  });
});
