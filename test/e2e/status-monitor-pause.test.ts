import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flipMonitor } from '../support/flip-monitor.ts';
import { eventually } from '../support/gateway-harness.ts';

describe('pausing a monitor whose target is down', () => {
  const flip = flipMonitor({
    runs: 'in-process',
    tempPrefix: 'bulwark-status-pause-',
    isHealthy: true,
    interval: '200ms',
    timeout: '150ms',
    groupWait: '100ms',
    groupInterval: '1m',
    statusPageLines: ['    - { name: Docs }'],
  });
  const { admin, componentStatus, downAlerts } = flip;
  /**
   * What the receiver was told of one episode, in order. A check that times out at start-up (150 ms, on a
   * loaded machine) is a short outage of its own, reported once as resolved: it is not the episode under test.
   */
  const toldOf = (startsAt: string): string[] =>
    flip.receiver.requests.flatMap((r) =>
      (JSON.parse(r.body) as { alerts: { status: string; startsAt: string }[] }).alerts
        .filter((a) => a.startsAt === startsAt)
        .map((a) => a.status),
    );

  beforeAll(() => flip.start());
  afterAll(() => flip.close());

  it('claims no recovery: the alert stays firing, the component keeps its outage, one resolution at the end', async () => {
    flip.isHealthy = false;
    await eventually(async () => (await componentStatus('api')) === 'major_outage', 10_000, 'API down');
    const [firing] = await downAlerts();
    if (!firing) throw new Error('no monitor-down alert');
    await eventually(() => toldOf(firing.startsAt).includes('firing'), 10_000, 'the firing');

    expect((await admin('POST', '/api/v1/monitors/flip/pause')).status).toBe(200);
    expect((await downAlerts()).map((a) => a.startsAt)).toEqual([firing.startsAt]);
    // A change that the admin API answers only once the page shows it: the pause's effect is on it by then.
    const docs = await admin('PATCH', '/api/v1/components/docs', {
      component: { status: 'degraded_performance' },
    });
    expect(docs.status).toBe(200);
    expect(await componentStatus('api')).toBe('major_outage');

    // Resumed with the target still down: the same episode, from when it began.
    expect((await admin('POST', '/api/v1/monitors/flip/resume')).status).toBe(200);
    expect((await downAlerts()).map((a) => a.startsAt)).toEqual([firing.startsAt]);

    flip.isHealthy = true;
    await eventually(() => toldOf(firing.startsAt).includes('resolved'), 10_000, 'the resolution');
    await eventually(async () => (await componentStatus('api')) === 'operational', 10_000, 'API up');
    expect(toldOf(firing.startsAt)).toEqual(['firing', 'resolved']);
  });
});
