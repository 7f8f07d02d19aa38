import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { openSqlite, SqliteAlertStore, type SqliteHandle } from '../store/index.ts';
import { firingAlert, type Alert, type Labels } from './alert.ts';
import { poolInhibitRule } from './inhibit.ts';
import { equalityMatchers } from './matchers.ts';
import { isPrepared, type Notification } from './notification.ts';
import { AlertPipeline, resolutionBatchMs, type PipelineDeps } from './pipeline.ts';
import type { RouteNode } from './route-tree.ts';

const secondMs = 1_000;
const minuteMs = 60 * secondMs;
const startMs = Date.UTC(2026, 10, 21, 9, 0, 0);

let dir: string;
let handle: SqliteHandle | undefined;
let fileCount = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-pipeline-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(async () => {
  await handle?.close();
  handle = undefined;
});

function route(partial: Partial<RouteNode> & Pick<RouteNode, 'id'>): RouteNode {
  return {
    matchers: [],
    receivers: [],
    groupBy: ['component'],
    groupWaitMs: 10 * secondMs,
    groupIntervalMs: minuteMs,
    repeatIntervalMs: 4 * 60 * minuteMs,
    continue: false,
    children: [],
    ...partial,
  };
}

const defaultRoot = route({
  id: 'root',
  children: [
    route({
      id: '0',
      matchers: equalityMatchers({ severity: 'critical' }),
      receivers: ['oncall'],
      continue: true,
    }),
    route({ id: '1', receivers: ['chat'] }),
  ],
});

interface Harness {
  readonly clock: FakeClock;
  readonly pipeline: AlertPipeline;
  readonly store: SqliteAlertStore;
  /** Notifications queued so far, oldest first. */
  queued(receiver?: string): Promise<Notification[]>;
  /** Moves the clock and lets every flush it started finish. */
  advance(ms: number): Promise<void>;
  readonly silences: Map<string, Labels>;
  readonly acked: Set<string>;
}

async function harness(overrides: Partial<PipelineDeps> = {}, path?: string): Promise<Harness> {
  handle = await openSqlite(path ?? join(dir, `pipeline-${++fileCount}.db`));
  const store = new SqliteAlertStore(handle.db);
  const clock = new FakeClock(startMs);
  const silences = new Map<string, Labels>();
  const acked = new Set<string>();
  const pipeline = new AlertPipeline({
    clock,
    store,
    root: defaultRoot,
    inhibitRules: [poolInhibitRule],
    sendsResolved: (receiver) => (receiver === 'oncall' || receiver === 'chat' ? true : undefined),
    silencedBy: (labels) =>
      [...silences]
        .filter(([, match]) => Object.entries(match).every(([k, v]) => labels[k] === v))
        .map(([id]) => id),
    isAcked: (episode) => acked.has(episode),
    links: { admin: 'http://127.0.0.1:8082' },
    onQueued: () => undefined,
    onError: (error) => {
      throw error;
    },
    ...overrides,
  });
  await pipeline.start();
  return {
    clock,
    pipeline,
    store,
    silences,
    acked,
    async queued(receiver) {
      const entries = await store.listOutbox({ limit: 1_000 });
      return entries
        .map((e) => e.notification)
        .filter((n): n is Notification => !isPrepared(n))
        .filter((n) => receiver === undefined || n.receiver === receiver)
        .sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id));
    },
    async advance(ms) {
      clock.advance(ms);
      await pipeline.idle();
    },
  };
}

function monitorDown(monitor: string, atMs: number, extra: Labels = {}): Alert {
  const labels = {
    alertname: 'monitor-down',
    monitor,
    component: 'API',
    severity: 'critical',
    source: 'monitor',
    ...extra,
  };
  return firingAlert(labels, { summary: `${monitor} is down` }, atMs);
}

describe('AlertPipeline', () => {
  it('waits group_wait, then sends one notification per receiver for the whole group', async () => {
    const h = await harness();
    for (let i = 0; i < 50; i++) h.pipeline.fire(monitorDown(`m${i}`, startMs));
    await h.advance(9 * secondMs);
    expect(await h.queued()).toEqual([]);
    await h.advance(1 * secondMs);
    const oncall = await h.queued('oncall');
    const chat = await h.queued('chat');
    expect(oncall).toHaveLength(1);
    expect(chat).toHaveLength(1);
    expect(oncall[0]).toMatchObject({ status: 'firing', reason: 'first', groupLabels: { component: 'API' } });
    expect(oncall[0]?.alerts).toHaveLength(50);
    expect(oncall[0]?.commonLabels).toMatchObject({ alertname: 'monitor-down', component: 'API' });
  });

  it('routes by the tree: continue lets a critical alert reach both routes, a warning only the catch-all', async () => {
    const h = await harness();
    h.pipeline.fire(firingAlert({ alertname: 'slow', component: 'DB', severity: 'warning' }, {}, startMs));
    await h.advance(10 * secondMs);
    expect((await h.queued()).map((n) => n.receiver)).toEqual(['chat']);
  });

  it('delivers a resolution at once, not at the next group_interval tick', async () => {
    const h = await harness();
    const alert = monitorDown('api', startMs);
    h.pipeline.fire(alert);
    await h.advance(10 * secondMs);
    await h.advance(5 * secondMs);
    h.pipeline.resolve(alert.fingerprint, h.clock.nowMs());
    await h.advance(resolutionBatchMs);
    const chat = await h.queued('chat');
    expect(chat.map((n) => n.reason)).toEqual(['first', 'resolved']);
    expect(chat[1]).toMatchObject({
      status: 'resolved',
      createdAtMs: startMs + 15 * secondMs + resolutionBatchMs,
    });
    expect(chat[1]?.alerts[0]).toMatchObject({ status: 'resolved', endsAtMs: startMs + 15 * secondMs });
  });

  it('batches resolutions that arrive together: a fleet recovering sends one message, not one per alert', async () => {
    const h = await harness();
    const alerts = Array.from({ length: 200 }, (_, i) => monitorDown(`m${i}`, startMs));
    for (const alert of alerts) h.pipeline.fire(alert);
    await h.advance(10 * secondMs);
    // Recoveries trickle in over the batch window, as checks spread over their interval report them.
    for (const [i, alert] of alerts.entries()) {
      h.clock.advance(i % 2);
      h.pipeline.resolve(alert.fingerprint, h.clock.nowMs());
    }
    await h.advance(resolutionBatchMs);
    const chat = await h.queued('chat');
    expect(chat.map((n) => n.reason)).toEqual(['first', 'resolved']);
    expect(chat[1]?.alerts).toHaveLength(200);
  });

  it('reports an alert that fired and resolved between two notifications once, as resolved', async () => {
    const h = await harness();
    const first = monitorDown('api', startMs);
    h.pipeline.fire(first);
    await h.advance(10 * secondMs);
    // A second monitor fires after the group's first notification and recovers before the next tick.
    const brief = monitorDown('login', h.clock.nowMs());
    h.pipeline.fire(brief);
    await h.advance(20 * secondMs);
    h.pipeline.resolve(brief.fingerprint, h.clock.nowMs());
    await h.advance(resolutionBatchMs);
    const chat = await h.queued('chat');
    expect(chat.map((n) => n.reason)).toEqual(['first', 'state-change']);
    expect(chat[1]?.alerts.find((a) => a.fingerprint === brief.fingerprint)).toMatchObject({
      status: 'resolved',
      endsAtMs: brief.startsAtMs + 20 * secondMs,
    });
    // The next tick has nothing new to say.
    await h.advance(minuteMs);
    expect(await h.queued('chat')).toHaveLength(2);
  });

  it('reports a brief alert resolved inside group_wait once, as resolved', async () => {
    const h = await harness();
    const alert = monitorDown('api', startMs);
    h.pipeline.fire(alert);
    await h.advance(3 * secondMs);
    h.pipeline.resolve(alert.fingerprint, h.clock.nowMs());
    await h.advance(resolutionBatchMs);
    await h.advance(5 * minuteMs);
    const chat = await h.queued('chat');
    expect(chat).toHaveLength(1);
    expect(chat[0]).toMatchObject({ status: 'resolved', reason: 'resolved' });
  });

  it('adds alerts that join a notified group at the next group_interval tick', async () => {
    const h = await harness();
    h.pipeline.fire(monitorDown('api', startMs));
    await h.advance(10 * secondMs);
    h.pipeline.fire(monitorDown('login', h.clock.nowMs()));
    await h.advance(59 * secondMs);
    expect(await h.queued('chat')).toHaveLength(1);
    await h.advance(1 * secondMs);
    const chat = await h.queued('chat');
    expect(chat.map((n) => n.reason)).toEqual(['first', 'new-alerts']);
    expect(chat[1]?.alerts).toHaveLength(2);
  });

  it('repeats after repeat_interval, and not while every firing alert is acknowledged', async () => {
    const h = await harness();
    const alert = monitorDown('api', startMs);
    h.pipeline.fire(alert);
    await h.advance(10 * secondMs);
    await h.advance(4 * 60 * minuteMs);
    expect((await h.queued('chat')).map((n) => n.reason)).toEqual(['first', 'repeat']);
    h.acked.add(`${alert.fingerprint}@${alert.startsAtMs}`);
    await h.advance(8 * 60 * minuteMs);
    expect(await h.queued('chat')).toHaveLength(2);
    // A change of state is news again: the resolution goes out although the alert was acknowledged.
    h.pipeline.resolve(alert.fingerprint, h.clock.nowMs());
    await h.advance(resolutionBatchMs);
    expect((await h.queued('chat')).map((n) => n.reason)).toEqual(['first', 'repeat', 'resolved']);
  });

  it('mutes alerts of monitors behind a firing pool alert (inhibition)', async () => {
    const h = await harness();
    const poolAlert = firingAlert(
      { alertname: 'pool-degraded', pool: 'api', severity: 'critical', source: 'gateway', component: 'API' },
      { summary: 'pool api: 0% of endpoints healthy' },
      startMs,
    );
    h.pipeline.fire(poolAlert);
    h.pipeline.fire(monitorDown('api-health', startMs, { pool: 'api' }));
    h.pipeline.fire(monitorDown('unrelated', startMs, { component: 'API' }));
    await h.advance(10 * secondMs);
    const sent = (await h.queued('chat'))[0];
    expect(sent?.alerts.map((a) => a.labels['monitor'] ?? a.labels['alertname']).sort()).toEqual([
      'pool-degraded',
      'unrelated',
    ]);
    expect(h.pipeline.firing().find((f) => f.alert.labels['monitor'] === 'api-health')?.suppression).toEqual({
      by: 'inhibition',
    });
  });

  it('holds back silenced alerts and sends them when the silence ends', async () => {
    const h = await harness();
    h.silences.set('s1', { monitor: 'api' });
    h.pipeline.fire(monitorDown('api', startMs));
    await h.advance(10 * secondMs);
    expect(await h.queued()).toEqual([]);
    h.silences.delete('s1');
    await h.advance(minuteMs);
    expect((await h.queued('chat')).map((n) => n.reason)).toEqual(['first']);
  });

  it('holds back alerts under maintenance', async () => {
    const h = await harness({
      maintenanceOf: (labels) => (labels['component'] === 'API' ? 'mnt-1' : undefined),
    });
    const alert = monitorDown('api', startMs);
    h.pipeline.fire(alert);
    await h.advance(10 * secondMs);
    h.pipeline.resolve(alert.fingerprint, h.clock.nowMs());
    await h.advance(minuteMs);
    expect(await h.queued()).toEqual([]);
    expect(h.pipeline.firing()).toEqual([]);
  });

  it('does not notify again after a restart for alerts receivers already heard about', async () => {
    const path = join(dir, `restart-${++fileCount}.db`);
    const first = await harness({}, path);
    const alert = monitorDown('api', startMs);
    first.pipeline.fire(alert);
    await first.advance(10 * secondMs);
    await first.pipeline.stop();
    await handle?.close();

    const second = await harness({}, path);
    second.clock.advance(5 * minuteMs);
    // The monitor's state was restored as down since startMs: the same alert, the same episode.
    second.pipeline.fire(alert);
    await second.advance(10 * secondMs);
    expect((await second.queued('chat')).map((n) => n.reason)).toEqual(['first']);
    second.pipeline.resolve(alert.fingerprint, second.clock.nowMs());
    await second.advance(resolutionBatchMs);
    expect((await second.queued('chat')).map((n) => n.reason)).toEqual(['first', 'resolved']);
  });

  it('gives a notification an id derived from its content, so a replayed decision is queued once', async () => {
    const h = await harness();
    h.pipeline.fire(monitorDown('api', startMs));
    await h.advance(10 * secondMs);
    const [sent] = await h.queued('chat');
    await h.store.enqueue([sent!]);
    expect(await h.queued('chat')).toHaveLength(1);
    expect(sent?.id).toMatch(/^ntf_[0-9a-f]{32}$/);
  });
});
