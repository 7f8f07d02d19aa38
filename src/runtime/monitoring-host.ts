import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../core/clock.ts';
import { runCheck } from '../monitor/checks/registry.ts';
import type { MonitorState } from '../monitor/monitor-state.ts';
import { Monitoring, type MonitorResult, type MonitorView, type StoredState } from '../monitor/monitoring.ts';
import type { MonitorSpec } from '../monitor/spec.ts';
import { uptimeOf } from '../monitor/uptime.ts';
import type { Logger } from '../observability/index.ts';
import { RollupJob } from '../monitor/rollup-job.ts';
import { trafficBetween, type TrafficReading, type TrafficRow } from '../monitor/traffic.ts';
import {
  BatchWriter,
  openSqlite,
  SqliteResultsStore,
  SqliteRollupStore,
  SqliteTrafficStore,
  type StoredResult,
} from '../store/index.ts';

export interface MonitoringConfig {
  readonly monitors: readonly MonitorSpec[];
  readonly dataDir: string;
  readonly retention: { readonly rawMs: number; readonly rollupsMs: number };
}

/** What the admin API shows of one monitor. */
export interface MonitorReport extends MonitorView {
  readonly uptime: Readonly<Record<'24h' | '7d' | '30d' | '90d', number | null>>;
  readonly latencyMs: {
    readonly p50: number | null;
    readonly p95: number | null;
    readonly p99: number | null;
  };
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
}

const maxConcurrentChecks = 256;
const aliveTouchMs = 15_000;
const pruneEveryMs = 3_600_000;
const rollupEveryMs = 60_000;
const trafficEveryMs = 60_000;
const hourMs = 3_600_000;
const dayMs = 86_400_000;
const windows = { '24h': dayMs, '7d': 7 * dayMs, '30d': 30 * dayMs, '90d': 90 * dayMs } as const;

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
  readonly #readTraffic: (() => Promise<TrafficReading>) | undefined;
  readonly #trafficEveryMs: number;
  #lastTraffic: { readonly reading: TrafficReading; readonly atMs: number } | undefined;
  readonly #rollupJob: RollupJob;
  readonly #writer: BatchWriter<StoredResult>;
  readonly #secret: Buffer;
  readonly #logger: Logger;
  readonly #timers: NodeJS.Timeout[] = [];
  #runtimeId = 0;
  #config: MonitoringConfig;

  private constructor(
    config: MonitoringConfig,
    stores: {
      readonly results: SqliteResultsStore;
      readonly rollups: SqliteRollupStore;
      readonly traffic: SqliteTrafficStore;
    },
    secret: Buffer,
    logger: Logger,
    options: HostOptions,
  ) {
    this.#config = config;
    const store = stores.results;
    this.#store = store;
    this.#rollups = stores.rollups;
    this.#traffic = stores.traffic;
    this.#readTraffic = options.readTraffic;
    this.#trafficEveryMs = options.trafficEveryMs ?? trafficEveryMs;
    this.#rollupJob = new RollupJob({
      results: store,
      alive: store,
      store: stores.rollups,
      retentionMs: config.retention.rollupsMs,
      rawRetentionMs: config.retention.rawMs,
    });
    this.#secret = secret;
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
      clock: systemClock,
      epochNowMs: Date.now,
      runCheck,
      maxConcurrent: maxConcurrentChecks,
      onResult: (result) => this.#onResult(result),
      onStateChange: (monitor, change) => this.#onStateChange(monitor, change.to, change.atMs),
      onLateness: options.onLateness,
    });
  }

  static async start(
    config: MonitoringConfig,
    logger: Logger,
    options: HostOptions = {},
  ): Promise<MonitoringHost> {
    await mkdir(config.dataDir, { recursive: true });
    // One database handle for every store: node:sqlite is synchronous, one connection is all there is to share.
    const { db, close } = await openSqlite(join(config.dataDir, 'bulwark.db'));
    const stores = {
      results: new SqliteResultsStore(db, close),
      rollups: new SqliteRollupStore(db),
      traffic: new SqliteTrafficStore(db),
    };
    const secret = await heartbeatSecret(config.dataDir);
    const host = new MonitoringHost(config, stores, secret, logger, options);
    await host.#begin();
    return host;
  }

  /** A reload: new, changed and removed monitors; known ones keep their state. */
  apply(config: MonitoringConfig): void {
    this.#config = config;
    this.monitoring.set(config.monitors);
  }

  async reports(): Promise<MonitorReport[]> {
    return Promise.all(this.monitoring.list().map((view) => this.#report(view)));
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
    return { results, noData: gapsOf(alive, fromMs, toMs) };
  }

  /** The secret path for a heartbeat monitor: an HMAC of its id, so it survives restarts and reloads. */
  pushPathOf(id: string): string {
    return `/api/v1/heartbeat/${this.#tokenOf(id)}`;
  }

  /** The heartbeat monitor a token belongs to; compared in constant time. */
  monitorForToken(token: string): string | undefined {
    const given = Buffer.from(token);
    for (const monitor of this.#config.monitors) {
      if (monitor.check.kind !== 'heartbeat') continue;
      const expected = Buffer.from(this.#tokenOf(monitor.id));
      if (expected.length === given.length && timingSafeEqual(expected, given)) return monitor.id;
    }
    return undefined;
  }

  async stop(): Promise<void> {
    this.monitoring.stop();
    for (const timer of this.#timers) clearInterval(timer);
    await this.#store.touchRuntime(this.#runtimeId, Date.now()).catch(() => undefined);
    await this.#writer
      .close()
      .catch((error: unknown) =>
        this.#logger.error({ event: 'results-lost', err: error }, 'some results could not be stored'),
      );
    await this.#store.close();
  }

  async #begin(): Promise<void> {
    const nowMs = Date.now();
    this.#runtimeId = await this.#store.startRuntime(nowMs);
    const restored = new Map<string, StoredState>();
    for (const row of await this.#store.loadStates())
      restored.set(row.monitorId, { state: row.state as MonitorState, sinceMs: row.sinceMs });
    this.monitoring.set(this.#config.monitors, restored);
    const every = (ms: number, task: () => Promise<unknown>): void => {
      const timer = setInterval(() => {
        task().catch((error: unknown) => this.#logger.error({ err: error }, 'monitor housekeeping failed'));
      }, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    every(aliveTouchMs, () => this.#store.touchRuntime(this.#runtimeId, Date.now()));
    every(pruneEveryMs, () => this.#store.pruneResultsBefore(Date.now() - this.#config.retention.rawMs));
    every(pruneEveryMs, () => this.#traffic.pruneTrafficBefore(Date.now() - this.#config.retention.rawMs));
    every(this.#trafficEveryMs, () => this.#recordTraffic());
    void this.#recordTraffic();
    every(rollupEveryMs, () =>
      this.#rollupJob.run(
        Date.now(),
        this.#config.monitors.map((m) => ({ id: m.id, maxHoldMs: maxHoldOf(m) })),
      ),
    );
  }

  /** Live traffic between two readings of the gateway's counters, one row per pool and route per minute. */
  async traffic(scope: 'pool' | 'route', name: string, fromMs: number, toMs: number): Promise<TrafficRow[]> {
    return this.#traffic.traffic(scope, name, fromMs, toMs);
  }

  async #recordTraffic(): Promise<void> {
    if (!this.#readTraffic) return;
    const reading = await this.#readTraffic();
    const atMs = Date.now();
    const previous = this.#lastTraffic;
    this.#lastTraffic = { reading, atMs };
    if (!previous) return;
    await this.#traffic.appendTraffic(trafficBetween(previous.reading, reading, previous.atMs));
  }

  #onResult(result: MonitorResult): void {
    const stored: StoredResult = {
      monitorId: result.monitorId,
      probe: result.probe,
      atMs: result.atMs,
      state: result.state,
      ok: result.verdict !== 'down',
      responseTimeMs: result.responseTimeMs,
      status: result.status,
      message: result.message,
    };
    // add() resolves once durable; nobody waits on it here, and a loss is logged by the writer's close.
    this.#writer.add(stored).catch(() => undefined);
  }

  #onStateChange(monitor: MonitorSpec, state: MonitorState, atMs: number): void {
    const level = state === 'down' ? 'warn' : 'info';
    this.#logger[level](
      { event: 'monitor-state', monitor: monitor.id, name: monitor.name, state },
      `monitor ${state}`,
    );
    const view = this.monitoring.get(monitor.id);
    void this.#store
      .saveStates([
        {
          monitorId: monitor.id,
          state,
          sinceMs: atMs,
          updatedMs: atMs,
          consecutiveFailures: 0,
          consecutiveSuccesses: 0,
          paused: view?.state === 'paused',
        },
      ])
      .catch((error: unknown) => this.#logger.error({ err: error }, 'could not save a monitor state'));
  }

  /**
   * Uptime over 24 hours from raw results; 7, 30 and 90 days from hourly rollups plus raw results for the
   * hours not rolled up yet, so a report reads at most about a day of raw results and 2,200 hour rows.
   */
  async #report(view: MonitorView): Promise<MonitorReport> {
    const nowMs = Date.now();
    const maxHoldMs = maxHoldOf(this.#config.monitors.find((m) => m.id === view.id));
    const hours = await this.#rollups.rollups(view.id, 'hour', nowMs - windows['90d'], nowMs);
    // Raw results cover what the hours do not yet: from the end of the last rolled-up hour, and 24 h at least.
    const rolledUntilMs = hours.length > 0 ? hours.at(-1)!.startMs + hourMs : nowMs - windows['90d'];
    const rawFromMs = Math.max(nowMs - this.#config.retention.rawMs, Math.min(rolledUntilMs, nowMs - dayMs));
    const [results, alive] = await Promise.all([
      this.#store.results(view.id, rawFromMs - maxHoldMs, nowMs + 1),
      this.#store.runtimes(rawFromMs - maxHoldMs, nowMs + 1),
    ]);
    const samples = results.map((r) => ({ atMs: r.atMs, state: r.state }));
    // The running process touches its alive interval every 15 s: up to now, it is alive.
    const current = alive.map((a) =>
      a.lastAliveMs >= nowMs - aliveTouchMs * 2 ? { ...a, lastAliveMs: nowMs } : a,
    );
    const raw = (fromMs: number) => uptimeOf(samples, current, { fromMs, toMs: nowMs }, maxHoldMs);
    const uptime: Record<keyof typeof windows, number | null> = {
      '24h': raw(nowMs - dayMs).ratio ?? null,
      '7d': null,
      '30d': null,
      '90d': null,
    };
    const recent = raw(Math.max(rawFromMs, rolledUntilMs));
    for (const name of ['7d', '30d', '90d'] as const) {
      const rolled = hours.filter((h) => h.startMs >= nowMs - windows[name] && h.startMs < rolledUntilMs);
      const upMs = rolled.reduce((sum, h) => sum + h.upMs + h.degradedMs, 0) + recent.upMs;
      const downMs = rolled.reduce((sum, h) => sum + h.downMs, 0) + recent.downMs;
      uptime[name] = upMs + downMs > 0 ? upMs / (upMs + downMs) : null;
    }
    const day = results.filter((r) => r.atMs >= nowMs - dayMs && r.ok).map((r) => r.responseTimeMs);
    return {
      ...view,
      uptime,
      latencyMs: { p50: percentile(day, 0.5), p95: percentile(day, 0.95), p99: percentile(day, 0.99) },
      pushPath: view.kind === 'heartbeat' ? this.pushPathOf(view.id) : undefined,
    };
  }

  #tokenOf(id: string): string {
    return createHmac('sha256', this.#secret).update(`heartbeat:${id}`).digest('base64url').slice(0, 32);
  }
}

/** A state holds until the next result, or three intervals at most: a silent monitor stops counting. */
function maxHoldOf(spec: MonitorSpec | undefined): number {
  return 3 * (spec?.intervalMs ?? 60_000);
}

/** A random key kept in data_dir (mode 0600): heartbeat URLs stay the same across restarts. */
async function heartbeatSecret(dataDir: string): Promise<Buffer> {
  const path = join(dataDir, 'heartbeat.key');
  try {
    return Buffer.from((await readFile(path, 'utf8')).trim(), 'hex');
  } catch {
    const secret = randomBytes(32);
    await writeFile(path, `${secret.toString('hex')}\n`, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
    return Buffer.from((await readFile(path, 'utf8')).trim(), 'hex');
  }
}

function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
}

/** The parts of [fromMs, toMs) no alive interval covers. */
function gapsOf(
  alive: readonly { readonly startedMs: number; readonly lastAliveMs: number }[],
  fromMs: number,
  toMs: number,
): { fromMs: number; toMs: number }[] {
  const gaps: { fromMs: number; toMs: number }[] = [];
  let cursor = fromMs;
  for (const interval of [...alive].sort((a, b) => a.startedMs - b.startedMs)) {
    if (interval.startedMs > cursor) gaps.push({ fromMs: cursor, toMs: Math.min(interval.startedMs, toMs) });
    cursor = Math.max(cursor, interval.lastAliveMs);
    if (cursor >= toMs) break;
  }
  if (cursor < toMs) gaps.push({ fromMs: cursor, toMs });
  return gaps.filter((gap) => gap.toMs > gap.fromMs);
}
