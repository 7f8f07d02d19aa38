import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flipMonitor } from '../support/flip-monitor.ts';
import { eventually } from '../support/gateway-harness.ts';

describe('a monitor paused while its target is down, and Bulwark restarted', () => {
  const flip = flipMonitor({
    runs: 'child-process',
    tempPrefix: 'bulwark-pause-restart-',
    isHealthy: false,
    interval: '500ms',
    timeout: '450ms',
    groupWait: '100ms',
    groupInterval: '1m',
  });
  const { admin, componentStatus, downAlertStarts, monitor, notified } = flip;

  beforeAll(() => flip.start());
  afterAll(() => flip.close());

  it('shows and alerts after the restart what it did before, and the first check after resuming decides', async () => {
    await flip.receiver.waitForRequests(1, 10_000);
    await eventually(async () => (await componentStatus('api')) === 'major_outage', 10_000, 'API down');
    const firingStarts = await downAlertStarts();
    expect(firingStarts).toHaveLength(1);
    expect((await admin('POST', '/api/v1/monitors/flip/pause')).status).toBe(200);

    expect(await flip.restart()).toBe(0);
    expect((await monitor()).state).toBe('paused');
    // The page is built before Bulwark says it listens: from its first version, it shows the outage.
    expect(await componentStatus('api')).toBe('major_outage');
    // Re-created with the start receivers were told: the same episode, neither resolved nor paged again.
    await eventually(
      async () => (await downAlertStarts()).join() === firingStarts.join(),
      5_000,
      'the monitor-down alert re-created',
    );

    // Resumed with the target still down: its first check finds it down, the same episode goes on.
    const resumedAtMs = Date.now();
    expect((await admin('POST', '/api/v1/monitors/flip/resume')).status).toBe(200);
    await eventually(
      async () => Date.parse((await monitor()).last_result?.at ?? '') >= resumedAtMs,
      5_000,
      'a check after the resume',
    );
    expect((await monitor()).state).toBe('down');
    expect(await downAlertStarts()).toEqual(firingStarts);
    expect(await componentStatus('api')).toBe('major_outage');

    flip.isHealthy = true;
    await eventually(() => notified().includes('resolved'), 10_000, 'the resolution');
    await eventually(async () => (await componentStatus('api')) === 'operational', 10_000, 'API up');
    expect(notified()).toEqual(['firing', 'resolved']);
  });
});
