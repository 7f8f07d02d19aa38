import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flipMonitor, type AlertView, type Told } from '../support/flip-monitor.ts';
import { eventually } from '../support/gateway-harness.ts';

const groupIntervalMs = 300;

describe('a maintenance window opened over a monitor that is down and was notified', () => {
  const flip = flipMonitor({
    runs: 'in-process',
    tempPrefix: 'bulwark-alerting-maintenance-',
    isHealthy: true,
    interval: '200ms',
    timeout: '150ms',
    // Two failures to go down: one check timing out on a busy machine is no outage the tests mean.
    failureThreshold: 2,
    groupWait: '100ms',
    groupInterval: `${groupIntervalMs}ms`,
  });
  const { admin, downAlerts, monitor } = flip;
  /**
   * What the receiver was told of outages that began from `sinceMs` on: the tests share one receiver, and a
   * check timing out while Bulwark starts in this process is an outage of its own.
   */
  let sinceMs = 0;
  const told = (): Told[] => flip.told().filter((t) => t.startsAt.every((at) => Date.parse(at) >= sinceMs));
  /** A check result after `afterMs` with this verdict: the monitor keeps checking in maintenance. */
  const checkedAfter = async (afterMs: number, verdict: string): Promise<boolean> => {
    const { last_result: last } = await monitor();
    return last !== null && Date.parse(last.at) > afterMs && last.verdict === verdict;
  };
  const monitorState = async (): Promise<string> => (await monitor()).state;

  /** Opens a window over the API component now; resolves once the monitor is in maintenance. */
  const openWindow = async (): Promise<string> => {
    const created = await flip.openWindow();
    expect(created.status).toBe(201);
    await eventually(
      async () => (await monitorState()) === 'maintenance',
      10_000,
      'the monitor in maintenance',
    );
    return created.body.id;
  };
  const closeWindow = async (id: string): Promise<void> => {
    // Cancelling a window under way completes it now (200, the completed window).
    expect((await admin('DELETE', `/api/v1/scheduled-maintenances/${id}`)).status).toBe(200);
  };

  /** An up monitor goes down and receivers are told it fires; the alert's start. */
  const notifiedDown = async (): Promise<string> => {
    await eventually(async () => (await monitorState()) === 'up', 10_000, 'the monitor up');
    sinceMs = Date.now();
    flip.isHealthy = false;
    await eventually(() => told().length === 1, 10_000, 'the firing notification');
    const [firing] = await downAlerts();
    if (!firing) throw new Error('no monitor-down alert');
    expect(told()).toEqual([{ status: 'firing', startsAt: [firing.startsAt] }]);
    return firing.startsAt;
  };

  beforeAll(() => flip.start());
  afterAll(() => flip.close());

  it('mutes it without a "resolved", and tells it again as firing when the window ends with the target still down', async () => {
    const startsAt = await notifiedDown();

    const window = await openWindow();
    // Still failing in maintenance, a few group ticks later: the muting is in the notification log, which is
    // what sends the alert again once it ends (as after a silence).
    const tickedMs = Date.now() + 3 * groupIntervalMs;
    await eventually(() => checkedAfter(tickedMs, 'down'), 10_000, 'failing checks in maintenance');
    expect(told()).toEqual([{ status: 'firing', startsAt: [startsAt] }]);
    const [muted] = await downAlerts();
    expect(muted).toMatchObject({ startsAt, suppressedBy: { by: 'maintenance' } });

    await closeWindow(window);
    await eventually(() => told().length === 2, 10_000, 'the notification after the window');
    expect(told()[1]).toEqual({ status: 'firing', startsAt: [startsAt] });

    flip.isHealthy = true;
    await eventually(() => told().length === 3, 10_000, 'the resolution');
    expect(told()[2]).toEqual({ status: 'resolved', startsAt: [startsAt] });
  });

  it('sends the resolution it owes when the window ends, for a target that recovered during the window', async () => {
    const startsAt = await notifiedDown();
    const window = await openWindow();
    flip.isHealthy = true;
    const recoveredMs = Date.now();
    await eventually(() => checkedAfter(recoveredMs, 'up'), 10_000, 'a passing check in maintenance');
    const [muted] = await downAlerts();
    expect(muted).toMatchObject({ startsAt, suppressedBy: { by: 'maintenance' } });
    expect(told()).toEqual([{ status: 'firing', startsAt: [startsAt] }]);

    await closeWindow(window);
    await eventually(() => told().length === 2, 10_000, 'the resolution after the window');
    expect(told()[1]).toEqual({ status: 'resolved', startsAt: [startsAt] });
    expect(await downAlerts()).toEqual([]);
  });
});

describe('a monitor down from its first check, under a maintenance window in force before the start', () => {
  const flip = flipMonitor({
    runs: 'in-process',
    tempPrefix: 'bulwark-alerting-maintenance-start-',
    isHealthy: false,
    interval: '200ms',
    timeout: '150ms',
    groupWait: '1s',
    groupInterval: `${groupIntervalMs}ms`,
    // Every day, all day: the day's occurrence began at midnight, before this start.
    statusPageLines: [
      '  maintenance: [{ name: Daily, cron: "0 0 * * *", duration: 24h, components: [api] }]',
    ],
  });
  const { admin, downAlerts, monitor } = flip;

  beforeAll(() => flip.start());
  afterAll(() => flip.close());

  it('is not notified during the start, and is once the window ends with the target still down', async () => {
    const maintenances = async () =>
      (
        await admin<{ scheduled_maintenances: { id: string; status: string }[] }>(
          'GET',
          '/api/v1/scheduled-maintenances',
        )
      ).body.scheduled_maintenances;
    let running: { id: string } | undefined;
    await eventually(
      async () => (running = (await maintenances()).find((m) => m.status === 'in_progress')) !== undefined,
      10_000,
      'the window in progress',
    );
    let firing: AlertView | undefined;
    await eventually(
      async () => ([firing] = await downAlerts()).length > 0,
      10_000,
      'the monitor-down alert',
    );
    // Past its group_wait and a few group ticks after the page started, still failing: any notification
    // would have gone out by now.
    const quietUntilMs =
      Math.max(Date.parse(firing?.startsAt ?? ''), Date.now()) + 1_000 + 3 * groupIntervalMs;
    await eventually(
      async () => {
        const { last_result: last } = await monitor();
        return last !== null && Date.parse(last.at) > quietUntilMs;
      },
      10_000,
      'checks past group_wait',
    );
    expect(flip.receiver.requests).toEqual([]);

    expect((await admin('DELETE', `/api/v1/scheduled-maintenances/${running?.id}`)).status).toBe(200);
    await flip.receiver.waitForRequests(1, 10_000);
    const told = JSON.parse(flip.receiver.requests[0]?.body ?? '{}') as {
      status: string;
      alerts: AlertView[];
    };
    expect(told.status).toBe('firing');
    expect(told.alerts.map((a) => a.labels['monitor'])).toEqual(['flip']);
  });
});
