import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from '../core/clock.ts';
import { runCheck } from '../monitor/checks/registry.ts';
import { readDailyHistories, type DailyHistory } from '../monitor/daily-history.ts';
import type { MonitorState } from '../monitor/monitor-state.ts';
import { Monitoring, type MonitorResult, type MonitorView } from '../monitor/monitoring.ts';
import type { MonitorSpec } from '../monitor/spec.ts';
import { summarizeMonitor, type HistorySummary } from '../monitor/history-summary.ts';
import { storedResultOf, type StoredResult } from '../monitor/results-store.ts';
import { aliveUntilNow, maxHoldOf, maxHoldOfMonitor, noDataGapsOf } from '../monitor/uptime.ts';
import type { Logger } from '../observability/index.ts';
import { RollupJob } from '../monitor/rollup-job.ts';
import { TrafficRecorder, type TrafficReading, type TrafficRow } from '../monitor/traffic.ts';
import {
  BatchWriter,
  openSqlite,
  SqliteResultsStore,
  SqliteRollupStore,
  SqliteStatusStore,
  SqliteTrafficStore,
} from '../store/index.ts';
import type { ComponentDef } from '../status/model.ts';
import { HeartbeatTokens } from './heartbeat-tokens.ts';
import { restoredMonitors } from './monitoring-restore.ts';
import { monitorsInMaintenance } from './status-maintenance.ts';

export interface MonitoringConfig {
  readonly monitors: readonly MonitorSpec[];
  readonly dataDir: string;
  readonly retention: { readonly rawMs: number; readonly rollupsMs: number };
  /** Its components say which monitors the maintenance windows open at a start cover. */
  readonly statusPage?: { readonly components: readonly ComponentDef[] } | undefined;
}

/** What the admin API shows of one monitor. */
export interface MonitorReport extends MonitorView, HistorySummary {
  /** Heartbeat monitors: the secret path a sender calls. */
  readonly pushPath: string | undefined;
}

export interface HostOptions {
  /** How late each check started vs its slot (a histogram). */
  readonly onLateness?: ((latenessMs: number) => void) | undefined;
  /** The gateway's counters now, for live-traffic minutes; without it no traffic is recorded. */
  readonly readTraffic?: (() => Promise<TrafficReading>) | undefined;
  /** How often traffic is read: a minute, shorter in tests. */
  readonly trafficEveryMs?: number | undefined;
  /** Schedules checks and heartbeat lateness (monotonic): the system clock, fake in tests. */
  readonly clock?: Clock | undefined;
  /** Wall time (epoch ms) of results, reports and housekeeping: Date.now, fixed in tests. */
  readonly epochNowMs?: (() => number) | undefined;
  /** After each result and state change, the monitor as it now stands (alerting listens here). */
  readonly onMonitorChange?: ((view: MonitorView, spec: MonitorSpec) => void) | undefined;
}

const maxConcurrentChecks = 256;
const aliveTouchMs = 15_000;
const pruneEveryMs = 3_600_000;
const rollupEveryMs = 60_000;
const trafficEveryMs = 60_000;

/**
 * Monitoring with its durable side: the SQLite store under data_dir, results written in batches, states
 * saved on every change, the process's own alive intervals (so downtime of Bulwark is no data), pruning,
 * and the secret behind heartbeat URLs. Lives in the control plane (the single process or the primary).
 */
export class MonitoringHost {
  readonly monitoring: Monitoring;
  readonly #store: SqliteResultsStore;
  readonly #rollups: SqliteRollupStore;
  readonly #traffic: SqliteTrafficStore;
  readonly #trafficRecorder: TrafficRecorder | undefined;
  readonly #onMonitorChange: HostOptions['onMonitorChange'];
  #specs = new Map<string, MonitorSpec>();
  readonly #trafficEveryMs: number;
  readonly #rollupJob: RollupJob;
  readonly #writer: BatchWriter<StoredResult>;
  readonly #tokens: HeartbeatTokens;
  readonly #logger: Logger;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #nowMs: () => number;
  /** State and heartbeat-call saves under way: stop() waits for them before closing the database. */
  readonly #saving = new Set<Promise<void>>();
  #runtimeId = 0;
  /** When this process's alive interval began: the one runtime row that is this process's. */
  #runtimeStartedMs = Number.NaN;
  #config: MonitoringConfig;

  private constructor(
    config: MonitoringConfig,
    stores: {
      readonly results: SqliteResultsStore;
      readonly rollups: SqliteRollupStore;
      readonly traffic: SqliteTrafficStore;
    },
    tokens: HeartbeatTokens,
    logger: Logger,
    options: HostOptions,
  ) {
    this.#config = config;
    this.#nowMs = options.epochNowMs ?? Date.now;
    this.#onMonitorChange = options.onMonitorChange;
    this.#specs = new Map(config.monitors.map((m) => [m.id, m]));
    const store = stores.results;
    this.#store = store;
    this.#rollups = stores.rollups;
    this.#traffic = stores.traffic;
    this.#trafficRecorder = options.readTraffic && new TrafficRecorder(stores.traffic, options.readTraffic);
    this.#trafficEveryMs = options.trafficEveryMs ?? trafficEveryMs;
    this.#rollupJob = new RollupJob({
      results: store,
      alive: store,
      store: stores.rollups,
      retentionMs: config.retention.rollupsMs,
      rawRetentionMs: config.retention.rawMs,
    });
    this.#tokens = tokens;
    this.#logger = logger.child({ component: 'monitor' });
    this.#writer = new BatchWriter<StoredResult>({
      write: (items) => store.append(items),
      clock: systemClock,
      onFlushError: (error, pending) =>
        this.#logger.error(
          { event: 'results-write-failed', err: error, pending },
          'could not store results; retrying',
        ),
    });
    this.monitoring = new Monitoring({
      clock: options.clock ?? systemClock,
      epochNowMs: this.#nowMs,
      runCheck,
      maxConcurrent: maxConcurrentChecks,
      onResult: (result) => {
        this.#onResult(result);
        this.#announce(result.monitorId);
      },
      onStateChange: (monitor, change) => {
        this.#onStateChange(monitor, change.to, change.atMs);
        this.#announce(monitor.id);
      },
      onQuietSlot: (monitor) => this.#announce(monitor.id),
      onHeldWordChange: (monitor, word) => this.#onStateChange(monitor, word.state, word.sinceMs),
      onFlappingChange: (monitor, atMs) => this.#saveState(monitor, atMs),
      onHeartbeatCall: (monitorId, atMs) =>
        this.#save(this.#store.saveHeartbeatCall({ monitorId, lastCallMs: atMs }), 'a heartbeat call'),
      onLateness: options.onLateness,
    });
  }

  static async start(
    config: MonitoringConfig,
    logger: Logger,
    options: HostOptions = {},
  ): Promise<MonitoringHost> {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    // One database handle for every store: node:sqlite is synchronous, one connection is all there is to share.
    const { db, close } = await openSqlite(join(config.dataDir, 'bulwark.db'));
    const stores = {
      results: new SqliteResultsStore(db, close),
      rollups: new SqliteRollupStore(db),
      traffic: new SqliteTrafficStore(db),
    };
    const tokens = await HeartbeatTokens.load(config.dataDir);
    // Under a window left open, in maintenance from the start: the status page, which starts later, would put
    // them there a second on, and their results meanwhile would count as up or down.
    const components = config.statusPage?.components ?? [];
    const windows = components.length > 0 ? await new SqliteStatusStore(db).maintenances() : [];
    const host = new MonitoringHost(config, stores, tokens, logger, options);
    await host.#begin(monitorsInMaintenance(components, windows));
    return host;
  }

  /** A reload: new, changed and removed monitors; known ones keep their state. */
  apply(config: MonitoringConfig): void {
    this.#config = config;
    this.#specs = new Map(config.monitors.map((m) => [m.id, m]));
    this.monitoring.set(config.monitors);
  }

  /**
   * One monitor at a time, with a turn of the event loop between them. node:sqlite answers synchronously, and
   * each report reads a day of raw results: all at once, 50 monitors checked every 5 s held the loop the
   * gateway shares for 3–4 s.
   */
  async reports(): Promise<MonitorReport[]> {
    const reports: MonitorReport[] = [];
    for (const view of this.monitoring.list()) {
      reports.push(await this.#report(view));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return reports;
  }

  async report(id: string): Promise<MonitorReport | undefined> {
    const view = this.monitoring.get(id);
    return view && this.#report(view);
  }

  /** Stored results in [fromMs, toMs), with the intervals Bulwark was not running (no data). */
  async history(id: string, fromMs: number, toMs: number) {
    const [results, alive] = await Promise.all([
      this.#store.results(id, fromMs, toMs, 10_000),
      this.#store.runtimes(fromMs, toMs),
    ]);
    // This process records that it is alive only every 15 s: its own interval runs up to now, not to its last
    // touch. Only its own: a process stopped a moment ago is not alive meanwhile.
    const current = aliveUntilNow(alive, this.#nowMs(), this.#runtimeStartedMs);
    return { results, noData: noDataGapsOf(current, fromMs, toMs) };
  }

  /** Each monitor's last `dayCount` UTC days and 24 hours of latency, for the status page's bars and chart. */
  async dailyHistories(ids: readonly string[], dayCount: number): Promise<Map<string, DailyHistory>> {
    const monitors = ids.map((id) => ({ id, maxHoldMs: maxHoldOfSpec(this.#specs.get(id)) }));
    return readDailyHistories({ results: this.#store, rollups: this.#rollups }, monitors, this.#nowMs(), {
      dayCount,
      runningSinceMs: this.#runtimeStartedMs,
    });
  }

  /** The secret path for a heartbeat monitor: an HMAC of its id, so it survives restarts and reloads. */
  pushPathOf(id: string): string {
    return `/api/v1/heartbeat/${this.#tokens.tokenOf(id)}`;
  }

  /** The heartbeat monitor a token belongs to. */
  monitorForToken(token: string): string | undefined {
    const heartbeats = this.#config.monitors.filter((m) => m.check.kind === 'heartbeat');
    return this.#tokens.monitorFor(
      token,
      heartbeats.map((m) => m.id),
    );
  }

  async stop(): Promise<void> {
    this.monitoring.stop();
    for (const timer of this.#timers) clearInterval(timer);
    await Promise.all(this.#saving);
    await this.#store.touchRuntime(this.#runtimeId, this.#nowMs()).catch(() => undefined);
    await this.#writer
      .close()
      .catch((error: unknown) =>
        this.#logger.error({ event: 'results-lost', err: error }, 'some results could not be stored'),
      );
    await this.#store.close();
  }

  async #begin(inMaintenance: ReadonlySet<string>): Promise<void> {
    const nowMs = this.#nowMs();
    this.#runtimeId = await this.#store.startRuntime(nowMs);
    this.#runtimeStartedMs = nowMs;
    const restored = await restoredMonitors(this.#store, nowMs, inMaintenance);
    const calls = await this.#store.loadHeartbeatCalls();
    this.monitoring.set(
      this.#config.monitors,
      restored,
      new Map(calls.map((call) => [call.monitorId, call.lastCallMs])),
    );
    const every = (ms: number, task: () => Promise<unknown>): void => {
      const timer = setInterval(() => {
        task().catch((error: unknown) => this.#logger.error({ err: error }, 'monitor housekeeping failed'));
      }, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    every(aliveTouchMs, () => this.#store.touchRuntime(this.#runtimeId, this.#nowMs()));
    every(pruneEveryMs, () => this.#store.pruneResultsBefore(this.#nowMs() - this.#config.retention.rawMs));
    every(pruneEveryMs, () => this.#traffic.pruneTrafficBefore(this.#nowMs() - this.#config.retention.rawMs));
    const recorder = this.#trafficRecorder;
    if (recorder) {
      const record = () => recorder.record(this.#nowMs());
      every(this.#trafficEveryMs, record);
      record().catch((error: unknown) => this.#logger.error({ err: error }, 'could not read traffic'));
    }
    every(rollupEveryMs, () =>
      this.#rollupJob.run(
        this.#nowMs(),
        this.#config.monitors.map((m) => ({ id: m.id, maxHoldMs: maxHoldOfSpec(m) })),
      ),
    );
  }

  /** Live traffic between two readings of the gateway's counters, one row per pool and route per minute. */
  async traffic(scope: 'pool' | 'route', name: string, fromMs: number, toMs: number): Promise<TrafficRow[]> {
    return this.#traffic.traffic(scope, name, fromMs, toMs);
  }

  #announce(monitorId: string): void {
    const onChange = this.#onMonitorChange;
    const view = onChange && this.monitoring.get(monitorId);
    const spec = view && this.#specs.get(monitorId);
    if (view && spec) onChange(view, spec);
  }

  #onResult(result: MonitorResult): void {
    // add() resolves once durable; nobody waits on it here, and a loss is logged by the writer's close.
    this.#writer.add(storedResultOf(result)).catch(() => undefined);
  }

  #onStateChange(monitor: MonitorSpec, state: MonitorState, atMs: number): void {
    const level = state === 'down' ? 'warn' : 'info';
    this.#logger[level](
      { event: 'monitor-state', monitor: monitor.id, name: monitor.name, state },
      `monitor ${state}`,
    );
    this.#saveState(monitor, atMs);
  }

  /** The monitor's row as it stands now; `atMs` is the change that calls for it (paused: the pause). */
  #saveState(monitor: MonitorSpec, atMs: number): void {
    const view = this.monitoring.get(monitor.id);
    if (!view) return;
    // Paused or in maintenance, the row keeps what the monitor says under it: a restart must not lose it.
    const word = view.heldWord ?? { state: view.state, sinceMs: view.sinceMs };
    const row = {
      monitorId: monitor.id,
      state: word.state,
      sinceMs: word.sinceMs,
      updatedMs: atMs,
      consecutiveFailures: 0,
      consecutiveSuccesses: 0,
      paused: view.state === 'paused',
      flapping: view.isFlapping,
    };
    this.#save(this.#store.saveStates([row]), 'a monitor state');
  }

  #save(write: Promise<void>, what: string): void {
    const saving = write.catch((error: unknown) =>
      this.#logger.error({ err: error }, `could not save ${what}`),
    );
    this.#saving.add(saving);
    void saving.finally(() => this.#saving.delete(saving));
  }

  async #report(view: MonitorView): Promise<MonitorReport> {
    const summary = await summarizeMonitor(
      { results: this.#store, rollups: this.#rollups },
      view.id,
      this.#nowMs(),
      {
        rawRetentionMs: this.#config.retention.rawMs,
        maxHoldMs: maxHoldOfSpec(this.#config.monitors.find((m) => m.id === view.id)),
        // The running process touches its alive interval every 15 s: up to now, it is alive.
        runningSinceMs: this.#runtimeStartedMs,
      },
    );
    return {
      ...view,
      ...summary,
      pushPath: view.kind === 'heartbeat' ? this.pushPathOf(view.id) : undefined,
    };
  }
}

function maxHoldOfSpec(spec: MonitorSpec | undefined): number {
  return spec ? maxHoldOfMonitor(spec) : maxHoldOf(60_000);
}
