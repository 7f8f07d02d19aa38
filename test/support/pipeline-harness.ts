import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from './fake-clock.ts';
import { openSqlite, SqliteAlertStore, type SqliteHandle } from '../../src/store/index.ts';
import { firingAlert, type Alert, type Labels } from '../../src/alerting/alert.ts';
import { poolInhibitRule } from '../../src/alerting/inhibit.ts';
import { equalityMatchers } from '../../src/alerting/matchers.ts';
import { isPrepared, type Notification } from '../../src/alerting/notification.ts';
import { AlertPipeline, type PipelineDeps } from '../../src/alerting/pipeline.ts';
import type { RouteNode } from '../../src/alerting/route-tree.ts';

export const secondMs = 1_000;
export const minuteMs = 60 * secondMs;
export const startMs = Date.UTC(2026, 10, 21, 9, 0, 0);

export function route(partial: Partial<RouteNode> & Pick<RouteNode, 'id'>): RouteNode {
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

/** Critical alerts page `oncall` (and go on); everything reaches `chat`. */
export const defaultRoot = route({
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

export interface Harness {
  readonly clock: FakeClock;
  readonly pipeline: AlertPipeline;
  readonly store: SqliteAlertStore;
  /** Notifications queued so far, oldest first. */
  queued(receiver?: string): Promise<Notification[]>;
  /** Moves the clock and lets every flush it started finish. */
  advance(ms: number): Promise<void>;
  /** Silence id → the labels it matches by equality. */
  readonly silences: Map<string, Labels>;
  readonly acked: Set<string>;
  /** Stops the pipeline and closes its store, as a process exit does. */
  stop(): Promise<void>;
}

/** Pipelines on real SQLite files in one temporary directory, on a fake clock. */
export class Harnesses {
  #dir: string | undefined;
  #fileCount = 0;
  readonly #handles: SqliteHandle[] = [];

  /** A fresh database file, or `path` (to restart on one). */
  async harness(
    overrides: Partial<PipelineDeps> | ((store: SqliteAlertStore) => Partial<PipelineDeps>) = {},
    path?: string,
    clock = new FakeClock(startMs),
  ): Promise<Harness> {
    const handle = await openSqlite(path ?? (await this.path()));
    this.#handles.push(handle);
    const store = new SqliteAlertStore(handle.db);
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
      ...(typeof overrides === 'function' ? overrides(store) : overrides),
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
      async stop() {
        await pipeline.stop();
        await handle.close();
      },
    };
  }

  /** A new database file's path. */
  async path(): Promise<string> {
    this.#dir ??= await mkdtemp(join(tmpdir(), 'bulwark-pipeline-'));
    return join(this.#dir, `pipeline-${++this.#fileCount}.db`);
  }

  /** Closes every store still open (afterEach). */
  async closeAll(): Promise<void> {
    for (const handle of this.#handles.splice(0)) await handle.close().catch(() => undefined);
  }

  async remove(): Promise<void> {
    await this.closeAll();
    if (this.#dir !== undefined) await rm(this.#dir, { recursive: true, force: true });
  }
}

export function monitorDown(monitor: string, atMs: number, extra: Labels = {}): Alert {
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
