import type { PoolSample } from '../alerting/sources/pool-rules.ts';
import type { Config } from '../config/index.ts';
import type { PoolStatus } from '../core/index.ts';
import type { MonitorState } from '../status/component-status.ts';
import type { LiveSignals } from '../status/live-components.ts';
import type { ComponentStatus } from '../status/model.ts';
import { PoolTraffic } from './status-pool-traffic.ts';

export interface StatusSignalOptions {
  /**
   * What each monitor says of its target: a paused one keeps saying what it said before its pause (stopping the
   * checks is no evidence the target recovered), as monitoring keeps it, across restarts too.
   */
  readonly monitorState: (id: string) => MonitorState | undefined;
  readonly pools: () => readonly PoolStatus[];
  /**
   * Each pool's cumulative request and 5xx counters (as the pool rules read them); without it components
   * judge their pools by endpoint health alone.
   */
  readonly poolSamples?: (() => Promise<readonly PoolSample[]>) | undefined;
}

/**
 * Where components' statuses come from, as the status host reads them: what the monitors say, and pools judged
 * by their endpoints' health and their live traffic.
 */
export class StatusSignals {
  readonly #options: StatusSignalOptions;
  readonly #traffic: PoolTraffic;
  #probed = new Set<string>();

  constructor(config: Config, options: StatusSignalOptions) {
    this.#options = options;
    this.#traffic = new PoolTraffic(poolsReadBy(config));
    this.#probed = probedPools(config);
  }

  get readsTraffic(): boolean {
    return this.#options.poolSamples !== undefined;
  }

  apply(config: Config): void {
    this.#traffic.setPools(poolsReadBy(config));
    this.#probed = probedPools(config);
  }

  /** One reading of the gateway's counters; true when a pool's traffic verdict changed. */
  async readTraffic(nowMs: number): Promise<boolean> {
    const samples = await this.#options.poolSamples?.();
    return samples !== undefined && this.#traffic.observe(samples, nowMs);
  }

  /** Each pool's healthy share: the host recomputes when it moves. */
  poolSignature(): string {
    return this.#options
      .pools()
      .map((p) => `${p.name}:${p.healthyShare}`)
      .join(',');
  }

  signals(inMaintenance: ReadonlySet<string>, overrides: ReadonlyMap<string, ComponentStatus>): LiveSignals {
    const pools = new Map(this.#options.pools().map((p) => [p.name, p]));
    return {
      monitorState: this.#options.monitorState,
      pool: (name) => {
        const pool = pools.get(name);
        return (
          pool && {
            healthyShare: pool.healthyShare,
            endpoints: pool.endpoints.length,
            isProbed: this.#probed.has(name),
            traffic: this.#traffic.verdictOf(name),
          }
        );
      },
      inMaintenance,
      overrides,
    };
  }
}

const poolsReadBy = (config: Config): string[] =>
  (config.statusPage?.components ?? []).flatMap((component) => component.pools);

const probedPools = (config: Config): Set<string> =>
  new Set(
    Object.entries(config.pools)
      .filter(([, pool]) => pool.healthCheck !== undefined)
      .map(([name]) => name),
  );
