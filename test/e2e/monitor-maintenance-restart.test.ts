import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flipMonitor } from '../support/flip-monitor.ts';
import { eventually } from '../support/gateway-harness.ts';

describe('a monitor down under a maintenance window, and Bulwark restarted during the window', () => {
  const flip = flipMonitor({
    runs: 'child-process',
    tempPrefix: 'bulwark-maintenance-restart-',
    isHealthy: false,
    interval: '1s',
    // A generous timeout: on a busy machine a check timing out is a failure the test does not mean.
    timeout: '900ms',
    groupWait: '100ms',
    groupInterval: '300ms',
  });
  const { admin, downAlerts, monitor, told } = flip;

  beforeAll(() => flip.start());
  afterAll(() => flip.close());

  it('raises its alert again, muted with the start receivers were told, and tells its recovery when the window ends', async () => {
    await flip.receiver.waitForRequests(1, 15_000);
    const [firing] = await downAlerts();
    if (!firing) throw new Error('no monitor-down alert');
    expect(told()).toEqual([{ status: 'firing', startsAt: [firing.startsAt] }]);
    const created = await flip.openWindow();
    expect(created.status).toBe(201);
    await eventually(
      async () => (await monitor()).state === 'maintenance',
      15_000,
      'the monitor in maintenance',
    );

    expect(await flip.restart()).toBe(0);
    await eventually(async () => (await monitor()).state === 'maintenance', 15_000, 'maintenance again');
    // Re-created by what the monitor says, not left for the grace period to resolve: the same episode, muted.
    await eventually(
      async () => (await downAlerts()).some((a) => a.startsAt === firing.startsAt),
      15_000,
      'the monitor-down alert re-created',
    );
    expect(await downAlerts()).toMatchObject([
      { startsAt: firing.startsAt, suppressedBy: { by: 'maintenance' } },
    ]);

    // Recovered during the window: its checks say so, and the resolution waits for the window's end.
    flip.isHealthy = true;
    const recoveredMs = Date.now();
    await eventually(
      async () => {
        const last = (await monitor()).last_result;
        return last !== null && Date.parse(last.at) > recoveredMs && last.verdict === 'up';
      },
      15_000,
      'a passing check in maintenance',
    );
    expect((await downAlerts()).map((a) => a.startsAt)).toEqual([firing.startsAt]);
    expect(told()).toEqual([{ status: 'firing', startsAt: [firing.startsAt] }]);

    // Cancelling a window under way completes it now.
    expect((await admin('DELETE', `/api/v1/scheduled-maintenances/${created.body.id}`)).status).toBe(200);
    await eventually(() => told().length === 2, 15_000, 'the resolution after the window');
    expect(told()[1]).toEqual({ status: 'resolved', startsAt: [firing.startsAt] });
  });
});
