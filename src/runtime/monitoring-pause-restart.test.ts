import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/index.ts';
import { createLogger } from '../observability/index.ts';
import { SqliteResultsStore } from '../store/index.ts';
import { MonitoringHost } from './monitoring-host.ts';
import { restartingControlPlanes, startMs } from './restarting-control-plane.test-support.ts';

const logger = createLogger({ level: 'silent' });
const { cleanups, restartingControlPlane } = restartingControlPlanes();

describe('a monitor paused while down, across a restart', () => {
  it('keeps its alert firing with its first start past the grace period, and resolves it once when resumed and up', async () => {
    const plane = await restartingControlPlane();
    const first = await plane.start();
    first.monitoring.heartbeat('backup', { isDown: true, message: 'disk full' });
    await plane.advance(20_000);
    expect(await plane.queued()).toEqual(['first/firing']);
    const [told] = first.alerting.pipeline.firing();
    first.monitoring.pause('backup');
    await plane.advance(5_000);

    const second = await plane.start();
    expect(second.monitoring.get('backup')?.state).toBe('paused');
    // Past the time after which an alert no source reports again resolves: nothing was claimed, nothing sent.
    await plane.advance(plane.graceMs + 60_000, 5_000);
    expect(await plane.queued()).toEqual(['first/firing']);
    expect(second.alerting.pipeline.firing().map((f) => [f.alert.startsAtMs, f.alert.annotations])).toEqual([
      [told?.alert.startsAtMs, told?.alert.annotations],
    ]);

    // Resumed, it stands down as before its pause; its next word decides, and the episode ends once.
    second.monitoring.resume('backup');
    expect(second.monitoring.get('backup')?.state).toBe('down');
    await plane.advance(20_000);
    expect(await plane.queued()).toEqual(['first/firing']);
    second.monitoring.heartbeat('backup', { isDown: false });
    await plane.advance(5_000);
    expect(await plane.queued()).toEqual(['first/firing', 'resolved/resolved']);
  });
});

describe('a monitor paused under a version that did not keep its state', () => {
  it('says after the upgrade what its last result before the pause said', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bulwark-pause-legacy-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const pausedAtMs = startMs + 60_000;
    const store = await SqliteResultsStore.open(join(dir, 'bulwark.db'));
    const failed = { probe: 'local', state: 'down', ok: false, responseTimeMs: 3, status: 503 };
    await store.append([
      { monitorId: 'api', atMs: startMs, ...failed, message: 'expected status == 200, got 502' },
      { monitorId: 'api', atMs: pausedAtMs - 1_000, ...failed, message: 'expected status == 200, got 503' },
    ]);
    // As the old version saved a pause: the state `paused`, since the pause.
    const paused = { state: 'paused', sinceMs: pausedAtMs, updatedMs: pausedAtMs, paused: true };
    await store.saveStates([
      { monitorId: 'api', ...paused, consecutiveFailures: 0, consecutiveSuccesses: 0 },
    ]);
    await store.close();

    const { monitors } = parseConfigText(
      [
        'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
        'routes: [{ pool: api }]',
        'monitors: [{ name: API, type: http, url: "http://127.0.0.1:9/", interval: 1h }]',
      ].join('\n'),
    );
    const host = await MonitoringHost.start(
      { monitors, dataDir: dir, retention: { rawMs: 86_400_000, rollupsMs: 86_400_000 } },
      logger,
      { epochNowMs: () => pausedAtMs + 3_600_000 },
    );
    cleanups.unshift(() => host.stop());
    const view = host.monitoring.get('api');
    expect(view).toMatchObject({ state: 'paused', sinceMs: pausedAtMs });
    expect(view?.heldWord).toEqual({ state: 'down', sinceMs: pausedAtMs - 1_000 });
    expect(view?.lastResult?.message).toBe('expected status == 200, got 503');
  });
});
