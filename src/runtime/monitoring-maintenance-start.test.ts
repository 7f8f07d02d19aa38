import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { freePort } from '../../test/support/free-port.ts';
import { eventually } from '../../test/support/gateway-harness.ts';
import { parseConfigText } from '../config/index.ts';
import { createLogger } from '../observability/index.ts';
import type { Maintenance } from '../status/model.ts';
import { openSqlite, SqliteResultsStore, SqliteStatusStore } from '../store/index.ts';
import { MonitoringHost } from './monitoring-host.ts';

const startMs = Date.UTC(2026, 10, 22, 9);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A window in progress over `componentIds`, as the status page stores one it started. */
function windowInProgress(componentIds: readonly string[], sinceMs: number): Maintenance {
  return {
    id: 'db-upgrade',
    name: 'Database upgrade',
    status: 'in_progress',
    createdAtMs: sinceMs,
    updatedAtMs: sinceMs,
    scheduledForMs: sinceMs,
    scheduledUntilMs: sinceMs + 3_600_000,
    startedAtMs: sinceMs,
    completedAtMs: null,
    componentIds,
    drain: [],
    autoTransition: true,
    updates: [],
    seriesId: null,
  };
}

describe('a monitor down in a maintenance window, at a restart before the status page is up', () => {
  it('is in maintenance from the start: its first results after the restart are stored as maintenance', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bulwark-maintenance-start-'));
    const closedPort = await freePort();
    const config = parseConfigText(
      [
        'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
        'routes: [{ pool: api }]',
        `data_dir: ${dir}`,
        `monitors: [{ name: API, type: http, url: "http://127.0.0.1:${closedPort}/", interval: 30s, timeout: 2s, failure_threshold: 1 }]`,
        'status_page: { title: Acme, components: [{ name: API, from: { monitors: [api] } }] }',
      ].join('\n'),
    );
    const clock = new FakeClock(startMs);
    let host: MonitoringHost | undefined;
    cleanups.push(async () => {
      await host?.stop();
      await rm(dir, { recursive: true, force: true });
    });
    const start = async () => {
      await host?.stop();
      host = await MonitoringHost.start(config, createLogger({ level: 'silent' }), {
        clock,
        epochNowMs: () => clock.nowMs(),
      });
      return host;
    };
    /** Moves the fake clock a second at a time until the check ran (its connection refused for real). */
    const advanceUntil = async (condition: () => boolean, what: string) => {
      await eventually(
        () => {
          if (!condition()) clock.advance(1_000);
          return condition();
        },
        5_000,
        what,
      );
    };

    const first = await start();
    await advanceUntil(() => first.monitoring.get('api')?.state === 'down', 'the monitor down');
    await first.stop();
    // The status page started a window over the monitor's component; Bulwark restarts while it is open.
    const handle = await openSqlite(join(dir, 'bulwark.db'));
    await new SqliteStatusStore(handle.db).putMaintenance(windowInProgress(['api'], clock.nowMs()));
    await handle.close();
    const restartMs = clock.nowMs();

    const second = await start();
    expect(second.monitoring.get('api')).toMatchObject({ state: 'maintenance', heldWord: { state: 'down' } });
    await advanceUntil(() => (second.monitoring.get('api')?.lastResult?.atMs ?? 0) > restartMs, 'a result');
    await second.stop();
    host = undefined;
    const store = await SqliteResultsStore.open(join(dir, 'bulwark.db'));
    const after = await store.results('api', restartMs + 1, clock.nowMs() + 1, 100);
    await store.close();
    expect(after.length).toBeGreaterThan(0);
    expect(after.map((r) => r.state)).toEqual(after.map(() => 'maintenance'));
  });
});
