import { join } from 'node:path';
import type { Alert, Labels } from '../alerting/alert.ts';
import type { Config } from '../config/index.ts';
import type { StatusPageConfig } from '../config/status-page.ts';
import { wallClock, type Clock } from '../core/clock.ts';
import type { PoolStatus } from '../core/index.ts';
import type { PoolSample } from '../alerting/sources/pool-rules.ts';
import type { Logger } from '../observability/index.ts';
import type { StatusDeps } from '../services/status-deps.ts';
import { buildStatusView, type MonitorHistory } from '../status/build-view.ts';
import type { MonitorState } from '../status/component-status.ts';
import type { StatusEvent } from '../status/events.ts';
import { heldStatusesOf } from '../status/incident-holds.ts';
import { liveComponentsOf, type LiveComponent } from '../status/live-components.ts';
import { isUnresolved, type ComponentStatus } from '../status/model.ts';
import { newStatusId, newSubscriberToken, pageIdOf } from '../status/ids.ts';
import type { Site } from '../status/site.ts';
import type { StatusView } from '../status/view.ts';
import { StatusBook } from '../status/status-book.ts';
import type { DynamicHandler, RunningStatusServer } from '../status/status-server.ts';
import { openSqlite, SqliteStatusStore, type SqliteHandle } from '../store/index.ts';
import { repeatEvery } from './repeat.ts';
import { StatusHistory } from './status-history.ts';
import { isSameAddress, listenStatus, type PreparedStatusListener } from './status-listener.ts';
import { StatusSignals } from './status-signals.ts';
import { recordStatuses, statusChangesOf, type StatusChange } from './status-changes.ts';
import { MaintenanceRunner } from './status-maintenance.ts';
import { StatusPublisher } from './status-publisher.ts';
import { IncidentWatch } from './status-incidents.ts';
import { SubscriberNotifier, type SubscriberOutbox } from './status-subscribers.ts';
import type { ReceiverTarget } from '../alerting/dispatcher.ts';

export interface StatusHostOptions {
  readonly logger: Logger;
  readonly clock?: Clock | undefined;
  readonly monitorState: (id: string) => MonitorState | undefined;
  /** One read for all the page's monitors: node:sqlite blocks the event loop the gateway shares meanwhile. */
  readonly monitorHistories: (
    ids: readonly string[],
    dayCount: number,
  ) => Promise<ReadonlyMap<string, MonitorHistory>>;
  readonly setMonitorMaintenance: (id: string, isOn: boolean) => void;
  readonly pools: () => readonly PoolStatus[];
  /** The gateway's counters per pool, so a pool's component sees the failures its users get. */
  readonly poolSamples?: (() => Promise<readonly PoolSample[]>) | undefined;
  readonly drain: (target: string, isDrained: boolean) => void;
  /** The alert route, for "next update due" reminders; undefined while alerting is off. */
  readonly alertSink: () => { fire(alert: Alert): void; resolve(fingerprint: string): void } | undefined;
  /** The alerting outbox, where messages to subscribers are queued; undefined while it is not open. */
  readonly outbox: () => SubscriberOutbox | undefined;
  readonly dynamic?: (host: StatusHost) => DynamicHandler;
}

const dayCount = 90;
const tickEveryMs = 1_000;
// As often as the pool rules read the gateway: in a cluster each reading asks every worker.
const trafficEveryMs = 5_000;
const historyEveryMs = 60_000;

/**
 * The status page for one control plane: keeps the documents (StatusBook), derives every component's status
 * from monitors, pools, maintenance and overrides, renders the whole site on change and serves it on
 * listen.status. Maintenance windows move on their own and drain, mute and exclude what they cover.
 */
export class StatusHost {
  readonly book: StatusBook;
  readonly #handle: SqliteHandle;
  readonly #options: StatusHostOptions;
  readonly #clock: Clock;
  readonly #maintenance: MaintenanceRunner;
  readonly #incidents: IncidentWatch;
  readonly #subscribers: SubscriberNotifier;
  readonly #signals: StatusSignals;
  #config: Config;
  #page: StatusPageConfig;
  #live: LiveComponent[] = [];
  readonly #publisher: StatusPublisher;
  #server: RunningStatusServer | undefined;
  readonly #history: StatusHistory;
  #poolSignature = '';
  #serial: Promise<unknown> = Promise.resolve();
  readonly #stops: (() => void)[] = [];
  readonly #deps: StatusDeps;

  private constructor(
    config: Config,
    page: StatusPageConfig,
    handle: SqliteHandle,
    book: StatusBook,
    options: StatusHostOptions,
  ) {
    this.#config = config;
    this.#page = page;
    this.#handle = handle;
    this.book = book;
    this.#options = options;
    this.#clock = options.clock ?? wallClock;
    this.#signals = new StatusSignals(config, options);
    this.#history = new StatusHistory({
      clock: this.#clock,
      monitorIds: () => [...new Set(this.#page.components.flatMap((c) => c.monitors))],
      read: (ids) => options.monitorHistories(ids, dayCount),
      onRead: () => this.#publisher.schedule(),
      onError: (error) =>
        options.logger.error({ event: 'status-task-failed', err: error }, 'a status page task failed'),
    });
    this.#deps = {
      book,
      nowMs: () => this.nowMs(),
      newId: newStatusId,
      newToken: newSubscriberToken,
      offersEmail: () => this.#page.subscriberEmail !== undefined,
      components: () => this.#live,
      componentsWithout: (incidentId) => this.#liveNow(incidentId),
      endpointExists: (target) => {
        const [pool, endpoint] = target.split('/');
        return this.#options
          .pools()
          .some((p) => p.name === pool && p.endpoints.some((e) => e.id === endpoint));
      },
      onChange: (event) => this.#changed(event),
    };
    this.#maintenance = new MaintenanceRunner(this, options);
    this.#incidents = new IncidentWatch(this, options);
    this.#subscribers = new SubscriberNotifier(this, options);
    this.#live = this.#liveNow();
    this.#publisher = new StatusPublisher({
      logger: options.logger,
      clock: this.#clock,
      view: () => this.view(),
      exportDir: () => this.#page.exportDir,
    });
  }

  static async start(config: Config, options: StatusHostOptions): Promise<StatusHost> {
    const page = config.statusPage;
    if (!page) throw new Error('status_page is not configured');
    const handle = await openSqlite(join(config.dataDir, 'bulwark.db'));
    try {
      const book = await StatusBook.load(new SqliteStatusStore(handle.db));
      const host = new StatusHost(config, page, handle, book, options);
      try {
        await host.#start();
      } catch (error) {
        // The listener is what fails here (an address in use); the renderer's thread has started already.
        for (const stop of host.#stops) stop();
        await host.#publisher.close();
        throw error;
      }
      return host;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  get url(): string {
    return this.#server?.url ?? '';
  }

  get page(): StatusPageConfig {
    return this.#page;
  }

  get config(): Config {
    return this.#config;
  }

  nowMs(): number {
    return this.#clock.nowMs();
  }

  site(): Site {
    return this.#publisher.site();
  }

  /** The view the served site was rendered from (pages made per request reuse it rather than build one). */
  servedView(): StatusView {
    return this.#publisher.servedView();
  }

  live(): readonly LiveComponent[] {
    return this.#live;
  }

  /** What the verbs work with. */
  get deps(): StatusDeps {
    return this.#deps;
  }

  /**
   * Binds a moved listen.status before a reload changes anything, so an address in use fails the reload with
   * the old listener and config still serving. undefined when the address stays.
   */
  async prepareListener(config: Config): Promise<PreparedStatusListener | undefined> {
    if (!config.statusPage || isSameAddress(config.listen.status, this.#config.listen.status))
      return undefined;
    return { server: await this.#listen(config) };
  }

  /** A reload: `prepared` is prepareListener's for this config (bound here when not given). */
  async apply(config: Config, prepared?: PreparedStatusListener): Promise<void> {
    const page = config.statusPage;
    if (!page) return;
    const listener = prepared ?? (await this.prepareListener(config));
    this.#config = config;
    this.#page = page;
    this.#signals.apply(config);
    if (listener) {
      const old = this.#server;
      this.#server = listener.server;
      await old?.close();
    }
    await this.#maintenance.apply();
    await this.#history.refresh();
    // A reload may add monitors to the page: they report their first results in the seconds after it.
    this.#history.warmUp();
    this.recompute();
  }

  /** Queues what subscribers are owed for an event that did not come through the verbs. */
  tellSubscribers(event: StatusEvent): Promise<void> {
    return this.#subscribers.eventHappened(event);
  }

  /** The outbox's sender for the status page's own receivers (`status:email`, `status:webhook:ID`). */
  subscriberTarget(receiver: string): ReceiverTarget | undefined {
    return this.#subscribers.target(receiver);
  }

  /** A monitor changed state: statuses may follow. */
  monitorChanged(): void {
    this.recompute();
  }

  /** A firing critical alert may open a draft incident; a resolved one may end its reminder. */
  alertChanged(alert: Alert): void {
    this.#queue(() => this.#incidents.alertChanged(alert));
  }

  /** The maintenance muting an alert with these labels now, if any (alerting's maintenance step). */
  maintenanceOf(labels: Labels): string | undefined {
    return this.#maintenance.mutingOf(labels);
  }

  /** Derives every status again; records and announces the changes (queued), then rebuilds the page. */
  recompute(): void {
    const changes = this.#rederive();
    if (changes.length > 0) this.#queue(() => this.#recordStatuses(changes));
    this.#publisher.schedule();
  }

  /**
   * Runs after every change queued before it: the documents change one at a time. A failure is the caller's
   * to answer: an admin request's refusal is a 4xx (the client's mistake, not an error of Bulwark's).
   */
  serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(task, task);
    this.#serial = run.catch(() => undefined);
    return run;
  }

  /** As serially, for callers that do not wait: nobody else hears of a failure, so it is logged here. */
  #queue(task: () => Promise<unknown>): void {
    this.serially(task).catch((error: unknown) =>
      this.#options.logger.error({ event: 'status-task-failed', err: error }, 'a status page task failed'),
    );
  }

  async stop(): Promise<void> {
    for (const stop of this.#stops) stop();
    this.#history.stop();
    await this.#serial;
    await this.#publisher.close();
    await this.#server?.close();
    await this.#handle.close();
  }

  async #start(): Promise<void> {
    await this.#history.refresh();
    await this.#maintenance.apply();
    this.recompute();
    await this.#publisher.publish();
    this.#server = await this.#listen(this.#config);
    this.#history.warmUp();
    // Again now that the listener's URL is known: links on a page without status_page.url point at it.
    await this.#publisher.publish();
    this.#every(tickEveryMs, async () => {
      this.#pollPools();
      await this.serially(() => this.#maintenance.tick());
      await this.serially(() => Promise.resolve(this.#incidents.tick()));
    });
    if (this.#signals.readsTraffic)
      this.#every(trafficEveryMs, async () => {
        if (await this.#signals.readTraffic(this.nowMs())) this.recompute();
      });
    this.#every(historyEveryMs, async () => {
      await this.#history.refresh();
      this.#publisher.schedule();
      await this.serially(() => this.#subscribers.expire());
    });
  }

  #listen(config: Config): Promise<RunningStatusServer> {
    const options = { site: () => this.site(), dynamic: this.#options.dynamic?.(this) };
    return listenStatus(config.listen.status, options, this.#options.logger);
  }

  async #changed(event: StatusEvent): Promise<void> {
    if (event.kind === 'subscription-requested') return this.#subscribers.eventHappened(event);
    if (event.kind === 'maintenance' || event.kind === 'deleted') await this.#maintenance.apply();
    // Recorded within the verb's turn, not queued after it: its answer shows each component's new updated_at.
    const changes = this.#rederive();
    await recordStatuses(this.book, changes);
    // Awaited, so the verb's caller (an admin API request) finds its change on the page.
    await this.#publisher.publish();
    await this.#subscribers.eventHappened(event);
    await this.#announce(changes);
  }

  /** The live components anew, and what moved. */
  #rederive(): StatusChange[] {
    const before = this.#live;
    this.#live = this.#liveNow();
    return statusChangesOf(before, this.#live, this.book, this.nowMs());
  }

  async #recordStatuses(changes: readonly StatusChange[]): Promise<void> {
    await recordStatuses(this.book, changes);
    this.#publisher.schedule();
    await this.#announce(changes);
  }

  /** Logs each change of status and tells webhook subscribers. */
  async #announce(changes: readonly StatusChange[]): Promise<void> {
    for (const { component: c, oldStatus, atMs } of changes) {
      if (oldStatus === c.status) continue;
      this.#options.logger.info(
        { event: 'component-status', component: c.def.id, from: oldStatus, to: c.status },
        'component status changed',
      );
      await this.#subscribers.componentChanged(c.def.id, oldStatus, c.status, atMs);
    }
  }

  /** Every component's status now; without `exceptIncidentId`'s statuses when given (its resolution's outcome). */
  #liveNow(exceptIncidentId?: string): LiveComponent[] {
    const overrides = new Map<string, ComponentStatus>();
    // Older incidents first, so the most recently updated one speaks last; an API override beats them all.
    const unresolved = this.book
      .incidents()
      .filter((i) => !i.isDraft && isUnresolved(i) && i.id !== exceptIncidentId)
      .sort((a, b) => a.updatedAtMs - b.updatedAtMs);
    for (const incident of unresolved)
      for (const [id, status] of Object.entries(heldStatusesOf(incident))) overrides.set(id, status);
    for (const def of this.#page.components) {
      const override = this.book.record(def.id)?.override;
      if (override) overrides.set(def.id, override);
    }
    return liveComponentsOf(
      this.#page.components,
      this.#signals.signals(this.#maintenance.componentsInMaintenance(), overrides),
    );
  }

  #pollPools(): void {
    const signature = this.#signals.poolSignature();
    if (signature === this.#poolSignature) return;
    this.#poolSignature = signature;
    this.recompute();
  }

  /** The page as it is now (the site is rendered from this). */
  view(): StatusView {
    return buildStatusView({
      page: {
        id: pageIdOf(this.#page.url ?? this.#page.title),
        name: this.#page.title,
        url: this.#page.url ?? this.url,
        timeZone: this.#page.timeZone,
        offersEmail: this.#page.subscriberEmail !== undefined,
      },
      live: this.#live,
      records: (id) => this.book.record(id),
      incidents: this.book.incidents(),
      maintenances: this.book.maintenances(),
      changedAtMs: this.book.changedAtMs(),
      history: (id) => this.#history.of(id),
      dayCount,
      nowMs: this.nowMs(),
    });
  }

  #every(intervalMs: number, task: () => Promise<unknown>): void {
    const onError = (error: unknown) =>
      this.#options.logger.error({ event: 'status-task-failed', err: error }, 'a status page task failed');
    this.#stops.push(repeatEvery(this.#clock, intervalMs, task, onError));
  }
}
