import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../../test/support/recording-receiver.ts';
import type { Labels } from '../alerting/alert.ts';
import { isPrepared, type Notification } from '../alerting/notification.ts';
import { parseConfigText } from '../config/index.ts';
import { AlertingMetrics, createLogger } from '../observability/index.ts';
import { AlertingHost, reportGraceMs } from './alerting-host.ts';
import { monitorSignalOf } from './monitor-signal.ts';
import { MonitoringHost } from './monitoring-host.ts';

export const startMs = Date.UTC(2026, 10, 22, 9);
const logger = createLogger({ level: 'silent' });

export interface RestartingOptions {
  /** Where the webhook receiver listens. */
  readonly receiverUrl: string;
  /** Runs once the test is done (removes the data_dir). */
  readonly onCleanup: (cleanup: () => Promise<void>) => void;
  /** The maintenance window muting these labels now, as the status page would answer. */
  readonly maintenanceOf?: ((labels: Labels) => string | undefined) | undefined;
  /** More monitors beside `backup`, each a YAML flow mapping. */
  readonly monitors?: readonly string[] | undefined;
}

/** What a test file gets from {@link restartingControlPlanes}. */
export interface RestartingControlPlanes {
  /** Run after the test in order (push, or unshift to run first), then emptied. */
  readonly cleanups: (() => Promise<void>)[];
  readonly restartingControlPlane: (
    options?: Omit<RestartingOptions, 'receiverUrl' | 'onCleanup'>,
  ) => ReturnType<typeof restartingControlPlane>;
}

/**
 * Registers a test file's hooks: one webhook receiver for the file, and every plane (and whatever else is in
 * `cleanups`) cleaned up after its test. Call at the top level of the file.
 */
export function restartingControlPlanes(): RestartingControlPlanes {
  let receiver: RecordingReceiver | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    receiver = await startRecordingReceiver();
  });
  afterAll(() => receiver?.close());
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  return {
    cleanups,
    restartingControlPlane: (options = {}) => {
      if (!receiver) throw new Error('the receiver starts in beforeAll');
      return restartingControlPlane({
        ...options,
        receiverUrl: receiver.url,
        onCleanup: (cleanup) => cleanups.push(cleanup),
      });
    },
  };
}

/**
 * Monitoring and alerting on one data_dir and one fake clock, wired as the control plane wires them: monitor
 * changes feed alerting, which starts after monitoring (what monitoring says before then is lost). start()
 * again is a restart of both. One heartbeat monitor, `backup`, expected every hour, and `monitors`.
 */
export async function restartingControlPlane(options: RestartingOptions) {
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-restart-'));
  const config = parseConfigText(
    [
      'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
      'routes: [{ pool: api }]',
      `data_dir: ${join(dir, 'data')}`,
      `monitors: [${['{ name: Backup, type: heartbeat, expect_every: 1h }', ...(options.monitors ?? [])].join(', ')}]`,
      'alerting:',
      `  notifiers: { hook: { type: webhook, url: "${options.receiverUrl}/hook" } }`,
      '  routes: [{ notify: [hook] }]',
    ].join('\n'),
  );
  const clock = new FakeClock(startMs);
  let monitoring: MonitoringHost | undefined;
  let alerting: AlertingHost | undefined;
  const stop = async () => {
    await monitoring?.stop();
    await alerting?.stop();
    alerting = undefined;
  };
  options.onCleanup(async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });
  const { maintenanceOf } = options;
  const start = async () => {
    await stop();
    monitoring = await MonitoringHost.start(config, logger, {
      clock,
      epochNowMs: () => clock.nowMs(),
      onMonitorChange: (view, spec) => alerting?.monitorChanged(monitorSignalOf(view, spec)),
    });
    alerting = await AlertingHost.start(config, {
      logger,
      metrics: new AlertingMetrics(new Registry()),
      poolSamples: () => Promise.resolve([]),
      adminUrl: () => 'http://127.0.0.1:8082',
      clock,
      maintenanceOf: maintenanceOf && ((labels) => maintenanceOf(labels)),
    });
    return { monitoring: monitoring.monitoring, alerting };
  };
  const advance = async (ms: number, stepMs = 1_000) => {
    for (let doneMs = 0; doneMs < ms; doneMs += stepMs) {
      clock.advance(Math.min(stepMs, ms - doneMs));
      await new Promise((resolve) => setImmediate(resolve));
      await alerting?.pipeline.idle();
    }
  };
  /** What is queued for receivers, oldest first: `reason/status`. */
  const queued = async () =>
    ((await alerting?.store.listOutbox({ limit: 100 })) ?? [])
      .map((e) => e.notification)
      .filter((n): n is Notification => !isPrepared(n))
      .sort((a, b) => a.createdAtMs - b.createdAtMs)
      .map((n) => `${n.reason}/${n.status}`);
  return { start, advance, queued, graceMs: reportGraceMs(config) };
}
