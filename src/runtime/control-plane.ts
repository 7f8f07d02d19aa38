import type { AlertsApi } from '../admin/http/alert-routes.ts';
import type { MonitorsApi } from '../admin/http/monitor-routes.ts';
import type { Config } from '../config/index.ts';
import type { TrafficReading } from '../monitor/traffic.ts';
import type { GatewayMetrics, Logger } from '../observability/index.ts';
import { AlertingSupervisor } from './alerting-supervisor.ts';
import { monitorSignalOf } from './monitor-signal.ts';
import { MonitoringSupervisor } from './monitoring-supervisor.ts';
import { poolSamplesOf } from './pool-samples.ts';

export interface ControlPlaneDeps {
  readonly metrics: GatewayMetrics;
  /** The gateway's cumulative counters (this process's, or summed over the workers). */
  readonly readTraffic: () => Promise<TrafficReading>;
  /** Each pool's healthy share now, for the pool rules. */
  readonly poolStatus: () => readonly { readonly name: string; readonly healthyShare: number }[];
}

/**
 * Monitoring and alerting as one unit, for the single process and the cluster primary alike: every monitor
 * change feeds alerting, and the pool rules read the gateway through `deps`. Never runs in a worker.
 */
export class ControlPlane {
  readonly #monitoring: MonitoringSupervisor;
  readonly #alerting: AlertingSupervisor;
  /** Known once the admin listener is bound; notifications link to it. */
  adminUrl = '';

  constructor(logger: Logger, deps: ControlPlaneDeps) {
    this.#alerting = new AlertingSupervisor(logger, deps.metrics.registry, {
      poolSamples: async () => poolSamplesOf(deps.poolStatus(), await deps.readTraffic()),
      adminUrl: () => this.adminUrl,
    });
    this.#monitoring = new MonitoringSupervisor(logger, {
      metrics: deps.metrics,
      readTraffic: deps.readTraffic,
      onMonitorChange: (view, spec) => this.#alerting.monitorChanged(monitorSignalOf(view, spec)),
    });
  }

  get monitors(): MonitorsApi {
    return this.#monitoring.api;
  }

  get alerts(): AlertsApi {
    return this.#alerting.api;
  }

  /** Start or reload. Monitoring first: a store that cannot open refuses the config before anything swaps. */
  async apply(config: Config): Promise<void> {
    await this.#monitoring.apply(config);
    await this.#alerting.apply(config);
  }

  async stop(): Promise<void> {
    await this.#monitoring.stop();
    // After monitoring: its last results may still resolve or fire alerts that are worth queueing.
    await this.#alerting.stop();
  }
}
