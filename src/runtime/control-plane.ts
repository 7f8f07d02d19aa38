import type { AlertsApi } from '../admin/http/alert-routes.ts';
import type { MonitorsApi } from '../admin/http/monitor-routes.ts';
import type { Config } from '../config/index.ts';
import { systemClock } from '../core/clock.ts';
import type { PoolStatus } from '../core/index.ts';
import type { TrafficReading } from '../monitor/traffic.ts';
import type { GatewayMetrics, Logger } from '../observability/index.ts';
import type { StatusApi } from '../admin/http/status-routes.ts';
import { drainEndpoint, markEndpointReady, type EndpointControl } from '../services/index.ts';
import { AlertingSupervisor } from './alerting-supervisor.ts';
import { monitorSignalOf } from './monitor-signal.ts';
import { MonitoringSupervisor } from './monitoring-supervisor.ts';
import { poolSamplesOf } from './pool-samples.ts';
import { StatusSupervisor } from './status-supervisor.ts';
import { sharedReading } from './traffic-reader.ts';
import { warnOfUnverifiedPools } from './upstream-tls-warning.ts';

// Alerting's pool rules and the status page each read the gateway's counters every 5 s, in their own phase.
// A reading kept for half that period serves both whatever the phase, and is at most 2.5 s old to either.
const sharedTrafficMaxAgeMs = 2_500;

export interface ControlPlaneDeps {
  readonly metrics: GatewayMetrics;
  /** The gateway's cumulative counters (this process's, or summed over the workers). */
  readonly readTraffic: () => Promise<TrafficReading>;
  /** Each pool's healthy share now, for the pool rules. */
  readonly poolStatus: () => readonly PoolStatus[];
  /** Maintenance windows drain the endpoints they list through it. */
  readonly endpointControl: EndpointControl;
}

/**
 * Monitoring, alerting and the status page as one unit, for the single process and the cluster primary alike:
 * every monitor change feeds alerting and the page, alerts may open draft incidents, maintenance windows mute
 * alerts, and the pool rules and component statuses read the gateway through `deps`. Never runs in a worker.
 */
export class ControlPlane {
  readonly #monitoring: MonitoringSupervisor;
  readonly #alerting: AlertingSupervisor;
  readonly #status: StatusSupervisor;
  readonly #logger: Logger;
  /** Known once the admin listener is bound; notifications link to it. */
  adminUrl = '';

  constructor(logger: Logger, deps: ControlPlaneDeps) {
    this.#logger = logger;
    // In a cluster a reading scrapes every worker's whole registry and sums them: one per round, not two.
    const readTraffic = sharedReading(deps.readTraffic, systemClock, sharedTrafficMaxAgeMs);
    const poolSamples = async () => poolSamplesOf(deps.poolStatus(), await readTraffic());
    this.#alerting = new AlertingSupervisor(logger, deps.metrics.registry, {
      poolSamples,
      adminUrl: () => this.adminUrl,
      maintenanceOf: (labels) => this.#status.maintenanceOf(labels),
      onAlert: (alert) => this.#status.alertChanged(alert),
      preparedTarget: (receiver) => this.#status.subscriberTarget(receiver),
    });
    this.#monitoring = new MonitoringSupervisor(logger, {
      metrics: deps.metrics,
      readTraffic: deps.readTraffic,
      onMonitorChange: (view, spec) => {
        this.#alerting.monitorChanged(monitorSignalOf(view, spec));
        this.#status.monitorChanged();
      },
    });
    this.#status = new StatusSupervisor(logger, {
      monitorState: (id) => this.#monitoring.wordOf(id)?.state,
      monitorHistories: async (ids, dayCount) =>
        (await this.#monitoring.host?.dailyHistories(ids, dayCount)) ?? new Map(),
      setMonitorMaintenance: (id, isOn) => this.#monitoring.host?.monitoring.setMaintenance(id, isOn),
      pools: deps.poolStatus,
      poolSamples,
      drain: (target, isDrained) => {
        const [pool = '', endpoint = ''] = target.split('/');
        if (isDrained) drainEndpoint(deps.endpointControl, pool, endpoint);
        else markEndpointReady(deps.endpointControl, pool, endpoint);
      },
      alertSink: () => this.#alerting.sink,
      outbox: () => this.#alerting.outbox,
    });
  }

  get monitors(): MonitorsApi {
    return this.#monitoring.api;
  }

  get alerts(): AlertsApi {
    return this.#alerting.api;
  }

  get status(): StatusApi {
    return this.#status.api;
  }

  /** The public status page's URL, once it listens (undefined without status_page). */
  get statusUrl(): string | undefined {
    return this.#status.host?.url;
  }

  /** Start or reload. Monitoring first: a store that cannot open refuses the config before anything swaps. */
  async apply(config: Config): Promise<void> {
    // Before that, a moved listen.status is bound: an address in use refuses the config as early.
    const statusListener = await this.#status.prepare(config);
    try {
      await this.#monitoring.apply(config);
      await this.#alerting.apply(config);
    } catch (error) {
      await statusListener?.server.close();
      throw error;
    }
    try {
      await this.#status.apply(config, statusListener);
    } finally {
      // Alerting holds its first notifications until the page's maintenance windows are known; a page that
      // failed to start has none to offer, so it stops waiting then too.
      this.#alerting.maintenanceKnown();
    }
    // Once the config is taken (a config a reload refused never went live): the last step that can fail.
    warnOfUnverifiedPools(this.#logger, config);
  }

  async stop(): Promise<void> {
    await this.#status.stop();
    await this.#monitoring.stop();
    // After monitoring: its last results may still resolve or fire alerts that are worth queueing.
    await this.#alerting.stop();
  }
}
