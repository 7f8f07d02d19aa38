import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { startRecordingReceiver, type RecordingReceiver } from '../../test/support/recording-receiver.ts';
import { isPrepared, type Notification } from '../alerting/notification.ts';
import type { PoolSample } from '../alerting/sources/pool-rules.ts';
import { parseConfigText, type Config } from '../config/index.ts';
import { AlertingMetrics, createLogger } from '../observability/index.ts';
import { AlertingHost, alertRetentionMs, reportGraceMs } from './alerting-host.ts';
import { eventually } from '../../test/support/gateway-harness.ts';

const startMs = Date.UTC(2026, 10, 21, 9, 0, 0);
let receiver: RecordingReceiver;
let dir: string;
const hosts: AlertingHost[] = [];

beforeAll(async () => {
  receiver = await startRecordingReceiver();
});
afterAll(() => receiver.close());
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.stop().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

async function configIn(): Promise<Config> {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-alerting-host-'));
  return parseConfigText(
    [
      'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
      'routes: [{ pool: api }]',
      `data_dir: ${join(dir, 'data')}`,
      'alerting:',
      `  notifiers: { hook: { type: webhook, url: "${receiver.url}/hook" } }`,
      '  routes: [{ notify: [hook] }]',
      '  rules: [{ name: pool-down, pool: api, when: healthy_share < 50%, severity: critical }]',
    ].join('\n'),
  );
}

/** An alerting host on the config's data directory and `clock`; `warnings` collects what it logs at warn. */
async function startHost(config: Config, clock: FakeClock, healthyShare: () => number) {
  const warnings: string[] = [];
  const logger = createLogger({
    level: 'warn',
    destination: { write: (line: string) => void warnings.push(line) },
  });
  const sample = (): PoolSample => ({
    pool: 'api',
    healthyShare: healthyShare(),
    requests: 0,
    errors: 0,
    latencyBuckets: [],
  });
  const host = await AlertingHost.start(config, {
    logger,
    metrics: new AlertingMetrics(new Registry()),
    poolSamples: () => Promise.resolve([sample()]),
    adminUrl: () => 'http://127.0.0.1:8082',
    clock,
  });
  hosts.push(host);
  const advance = async (ms: number, stepMs = 1_000) => {
    for (let doneMs = 0; doneMs < ms; doneMs += stepMs) {
      clock.advance(Math.min(stepMs, ms - doneMs));
      // Timer work is asynchronous (a pool reading, a flush): let it finish before time moves on.
      await new Promise((resolve) => setImmediate(resolve));
      await host.pipeline.idle();
    }
  };
  const queued = async () =>
    (await host.store.listOutbox({ limit: 100 }))
      .map((e) => e.notification)
      .filter((n): n is Notification => !isPrepared(n))
      .sort((a, b) => a.createdAtMs - b.createdAtMs)
      .map((n) => `${n.reason}/${n.status}`);
  return { host, advance, queued, warnings };
}

describe('AlertingHost', () => {
  it('lets a stored silence whose regex does not compile silence nothing, reported once, not fail flushes', async () => {
    const config = await configIn();
    const clock = new FakeClock(startMs);
    const { host, advance, queued, warnings } = await startHost(config, clock, () => 1);
    // Written by a version that did not check object-form matchers.
    await host.store.putSilence({
      id: 'old-silence',
      matchers: [{ name: 'monitor', value: '(', isRegex: true, isEqual: true }],
      startsAtMs: startMs,
      endsAtMs: startMs + 3_600_000,
      createdBy: 'amy',
      comment: 'drill',
      updatedAtMs: startMs,
    });
    await host.refresh();
    await host.refresh();
    const labels = { component: 'API' };
    host.monitorChanged({
      id: 'api',
      name: 'API',
      state: 'down',
      sinceMs: startMs,
      isFlapping: false,
      labels,
    });
    await advance(15_000);
    expect(await queued()).toEqual(['first/firing']);
    expect(host.pipeline.firing().map((f) => f.suppression)).toEqual([undefined]);
    expect(warnings.filter((line) => line.includes('silence-unusable'))).toHaveLength(1);
  });

  it('resolves, once the grace period after a restart is over, an alert told before it that no source re-fired', async () => {
    const config = await configIn();
    const clock = new FakeClock(startMs);
    let share = 0;
    const first = await startHost(config, clock, () => share);
    await first.advance(20_000);
    expect(await first.queued()).toEqual(['first/firing']);
    await first.host.stop();
    // The pool recovered while Bulwark was down.
    share = 1;
    const second = await startHost(config, clock, () => share);
    const graceMs = reportGraceMs(config);
    expect(graceMs).toBe(5 * 60_000);
    await second.advance(graceMs - 1_000, 5_000);
    expect(await second.queued()).toEqual(['first/firing']);
    await second.advance(2_000);
    expect(await second.queued()).toEqual(['first/firing', 'resolved/resolved']);
  });

  it('keeps an alert a source re-fires within the grace period, with the start receivers were told', async () => {
    const config = await configIn();
    const clock = new FakeClock(startMs);
    const first = await startHost(config, clock, () => 0);
    await first.advance(20_000);
    const [told] = first.host.pipeline.firing();
    await first.host.stop();
    const second = await startHost(config, clock, () => 0);
    await second.advance(reportGraceMs(config) + 60_000, 5_000);
    expect(await second.queued()).toEqual(['first/firing']);
    expect(second.host.pipeline.firing().map((f) => f.alert.startsAtMs)).toEqual([told?.alert.startsAtMs]);
  });
});

describe('alert retention', () => {
  it('forgets deliveries and resolved groups older than the retention, hourly, and keeps what still fires', async () => {
    const config = await configIn();
    const clock = new FakeClock(startMs);
    let share = 0;
    const { host, advance } = await startHost(config, clock, () => share);
    await advance(20_000);
    share = 1;
    await advance(20_000);
    await eventually(
      async () => (await host.store.outboxCounts()).delivered === 2,
      5_000,
      'the firing and resolved notifications to be delivered',
    );
    expect(await host.store.allNotificationLogs()).toHaveLength(1);
    await advance(alertRetentionMs - 3_600_000, 3_600_000);
    expect((await host.store.outboxCounts()).delivered).toBe(2);
    await advance(2 * 3_600_000, 3_600_000);
    expect((await host.store.outboxCounts()).delivered).toBe(0);
    expect(await host.store.allNotificationLogs()).toEqual([]);
  });
});

describe('reportGraceMs', () => {
  it('never exceeds what a node timer can wait, however slow the slowest monitor', () => {
    const config = parseConfigText(
      [
        'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
        'routes: [{ pool: api }]',
        'monitors: [{ name: monthly, type: http, url: "http://127.0.0.1:9/", interval: 24d }]',
      ].join('\n'),
    );
    // Twice 24 days is past 2^31 − 1 ms, which node fires after 1 ms: resolving everything at start.
    expect(reportGraceMs(config)).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(reportGraceMs(config)).toBeGreaterThan(20 * 86_400_000);
  });
});
