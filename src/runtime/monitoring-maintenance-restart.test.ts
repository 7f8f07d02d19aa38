import { describe, expect, it } from 'vitest';
import { restartingControlPlanes } from './restarting-control-plane.test-support.ts';

const { restartingControlPlane } = restartingControlPlanes();

describe('a monitor down in a maintenance window, across a restart', () => {
  it('keeps its alert firing and muted past the grace period, and resolves it once after the window', async () => {
    let openWindow: string | undefined;
    const plane = await restartingControlPlane({
      maintenanceOf: (labels) => (labels['monitor'] === 'backup' ? openWindow : undefined),
    });
    const first = await plane.start();
    first.monitoring.heartbeat('backup', { isDown: true, message: 'disk full' });
    await plane.advance(20_000);
    expect(await plane.queued()).toEqual(['first/firing']);
    const [told] = first.alerting.pipeline.firing();
    openWindow = 'db-upgrade';
    first.monitoring.setMaintenance('backup', true);
    await plane.advance(5_000);

    const second = await plane.start();
    // As the status page does once it has started: its open windows put their monitors in maintenance.
    second.monitoring.setMaintenance('backup', true);
    expect(second.monitoring.get('backup')?.state).toBe('maintenance');
    // Past the time after which an alert no source reports again resolves: nothing was claimed, nothing sent.
    await plane.advance(plane.graceMs + 60_000, 5_000);
    expect(await plane.queued()).toEqual(['first/firing']);
    const standing = second.alerting.pipeline.firing();
    expect(standing.map((f) => [f.alert.startsAtMs, f.alert.annotations, f.suppression])).toEqual([
      [told?.alert.startsAtMs, told?.alert.annotations, { by: 'maintenance', id: 'db-upgrade' }],
    ]);

    // The window ends with the target recovered meanwhile: the episode ends once, after the window.
    second.monitoring.heartbeat('backup', { isDown: false });
    await plane.advance(5_000);
    expect(await plane.queued()).toEqual(['first/firing']);
    openWindow = undefined;
    second.monitoring.setMaintenance('backup', false);
    await plane.advance(5_000);
    expect(await plane.queued()).toEqual(['first/firing', 'resolved/resolved']);
  });
  it.each([
    ['within the grace period', 0],
    ['after the grace period', 1],
  ])(
    'resolves at the end of a window ending %s an alert whose monitor recovered in the window before the restart',
    async (_, gracePeriods) => {
      let openWindow: string | undefined;
      const plane = await restartingControlPlane({
        maintenanceOf: (labels) => (labels['monitor'] === 'backup' ? openWindow : undefined),
      });
      const first = await plane.start();
      first.monitoring.heartbeat('backup', { isDown: true, message: 'disk full' });
      await plane.advance(20_000);
      expect(await plane.queued()).toEqual(['first/firing']);
      openWindow = 'db-upgrade';
      first.monitoring.setMaintenance('backup', true);
      first.monitoring.heartbeat('backup', { isDown: false });
      await plane.advance(5_000);
      expect(await plane.queued()).toEqual(['first/firing']);

      const second = await plane.start();
      second.monitoring.setMaintenance('backup', true);
      // Muted while the window lasts, past the grace period too: its recovery is news when the window ends.
      await plane.advance(gracePeriods * plane.graceMs + 60_000, 5_000);
      expect(await plane.queued()).toEqual(['first/firing']);
      openWindow = undefined;
      second.monitoring.setMaintenance('backup', false);
      await plane.advance(5_000);
      expect(await plane.queued()).toEqual(['first/firing', 'resolved/resolved']);
    },
  );
});
