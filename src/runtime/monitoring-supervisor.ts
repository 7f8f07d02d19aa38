import type { MonitorsApi } from '../admin/http/monitor-routes.ts';
import type { Config } from '../config/index.ts';
import { routeIdOf } from '../gateway/routes.ts';
import type { MonitorWord } from '../monitor/monitor-state.ts';
import { wordOf } from '../monitor/monitoring.ts';
import {
  monitorLatenessHistogram,
  registerMonitorGauges,
  type GatewayMetrics,
  type Logger,
} from '../observability/index.ts';
import { MonitoringHost, type HostOptions } from './monitoring-host.ts';

/**
 * Monitoring for a control plane (the single process or the cluster primary): started when the config has
 * monitors, so a gateway-only setup creates no data directory; a reload that adds the first monitors starts
 * it then. `api` is what the admin listener serves, empty until monitoring runs.
 */
export class MonitoringSupervisor {
  readonly #logger: Logger;
  readonly #options: HostOptions;
  #host: MonitoringHost | undefined;
  #starting: Promise<void> | undefined;
  /** The config monitoring last took, for the names the traffic API knows. */
  #config: Config | undefined;

  /** Registers the monitor gauges and the schedule-lateness histogram in `metrics`, read from the host. */
  constructor(
    logger: Logger,
    deps: {
      readonly metrics: GatewayMetrics;
      readonly readTraffic: HostOptions['readTraffic'];
      readonly onMonitorChange?: HostOptions['onMonitorChange'];
    },
  ) {
    this.#logger = logger;
    this.#options = {
      onLateness: monitorLatenessHistogram(deps.metrics.registry),
      readTraffic: deps.readTraffic,
      onMonitorChange: deps.onMonitorChange,
    };
    registerMonitorGauges(deps.metrics, () => this.#host?.monitoring.list() ?? []);
  }

  get host(): MonitoringHost | undefined {
    return this.#host;
  }

  /** What a monitor says of its target now (paused: what it said before its pause), for the status page. */
  wordOf(id: string): MonitorWord | undefined {
    const view = this.#host?.monitoring.get(id);
    return view && wordOf(view);
  }

  async apply(config: Config): Promise<void> {
    if (this.#host) this.#host.apply(config);
    else if (config.monitors.length > 0) {
      this.#starting ??= MonitoringHost.start(config, this.#logger, this.#options).then((host) => {
        this.#host = host;
      });
      await this.#starting;
    }
    this.#config = config;
  }

  async stop(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    await this.#host?.stop();
  }

  readonly api: MonitorsApi = {
    reports: async () => (await this.#host?.reports()) ?? [],
    report: async (id) => this.#host?.report(id),
    history: async (id, fromMs, toMs) =>
      (await this.#host?.history(id, fromMs, toMs)) ?? { results: [], noData: [] },
    pause: (id) => this.#host?.monitoring.pause(id) ?? false,
    resume: (id) => this.#host?.monitoring.resume(id) ?? false,
    monitorForToken: (token) => this.#host?.monitorForToken(token),
    heartbeat: (id, report) => this.#host?.monitoring.heartbeat(id, report) ?? false,
    traffic: async (scope, name, fromMs, toMs) =>
      (await this.#host?.traffic(scope, name, fromMs, toMs)) ?? [],
    trafficNames: (scope) => {
      const config = this.#config;
      if (!config) return [];
      return scope === 'pool' ? Object.keys(config.pools) : config.routes.map(routeIdOf);
    },
  };
}
