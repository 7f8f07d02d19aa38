import { readFile } from 'node:fs/promises';
import { adminListenerDefaults } from '../admin/http/server.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../observability/index.ts';
import { statusListenerDefaults } from '../status/status-server.ts';

/**
 * What Bulwark holds besides client and upstream connections: about 35 descriptors at rest (the store, its
 * WAL, logs, the event loop), plus monitors, health checks and notifications under way.
 */
export const ownDescriptors = 128;

/** What one config key lets connections take: `value` as written, times listeners or endpoints. */
export interface DescriptorCap {
  readonly key: string;
  readonly descriptors: number;
  /** As the warning shows it: `512`, or `128 × 3 endpoints`. */
  readonly reading: string;
}

/** The descriptors one process may come to hold when every cap is reached. */
export interface DescriptorDemand {
  /** Which process: the single one, or under gateway.workers the primary or each worker. */
  readonly process: 'single' | 'primary' | 'worker';
  readonly caps: readonly DescriptorCap[];
  /** The caps and ownDescriptors together. */
  readonly total: number;
}

/**
 * The heaviest process's demand: one process holds every listener and the upstream connections; under
 * gateway.workers the primary holds the admin and status listeners, and each worker a gateway listener
 * (its caps count per worker) and its own upstream connections.
 */
export function descriptorDemandOf(config: Config, workers: number): DescriptorDemand {
  const gateway = [
    capOf(
      'limits.max_connections',
      config.limits.maxConnections,
      config.listen.gatewayTls ? 2 : 1,
      'listeners',
    ),
    ...Object.entries(config.pools).map(([name, pool]) =>
      capOf(
        `pools.${name}.max_connections_per_endpoint`,
        pool.maxConnectionsPerEndpoint,
        pool.endpoints.length,
        'endpoints',
      ),
    ),
  ];
  const { admin, status } = config.listen;
  const control = [
    capOf('admin.max_connections', admin.maxConnections ?? adminListenerDefaults.maxConnections),
    ...(config.statusPage
      ? [capOf('status_page.max_connections', status.maxConnections ?? statusListenerDefaults.maxConnections)]
      : []),
  ];
  if (workers <= 1) return demandOf('single', [...gateway, ...control]);
  const [primary, worker] = [demandOf('primary', control), demandOf('worker', gateway)];
  return worker.total >= primary.total ? worker : primary;
}

function capOf(key: string, value: number, times = 1, what = ''): DescriptorCap {
  return {
    key,
    descriptors: value * times,
    reading: times === 1 ? String(value) : `${value} × ${times} ${what}`,
  };
}

function demandOf(process: DescriptorDemand['process'], caps: DescriptorCap[]): DescriptorDemand {
  const total = caps.reduce((sum, cap) => sum + cap.descriptors, ownDescriptors);
  return { process, caps: caps.toSorted((a, b) => b.descriptors - a.descriptors), total };
}

/** The soft "Max open files" of /proc/<pid>/limits; undefined when unlimited or not found. */
export function openFileLimitOf(procLimits: string): number | undefined {
  const soft = /^Max open files\s+(\S+)/m.exec(procLimits)?.[1];
  return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : undefined;
}

/**
 * This process's open-file limit, as node left it (it raises the soft limit to the hard one at start).
 * Node has no getrlimit: Linux tells it in /proc; elsewhere it stays unknown and nothing is checked.
 */
export async function readOpenFileLimit(): Promise<number | undefined> {
  try {
    return openFileLimitOf(await readFile('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * At start: when the caps let connections take more descriptors than the process may open, a flood on one
 * listener can starve the others (accepts fail with EMFILE, upstream connects too, the admin /healthz goes
 * dark). Said once, naming the keys; the caps stay as configured, since guessing lower ones would surprise.
 */
export function warnOfDescriptorLimit(
  logger: Logger,
  demand: DescriptorDemand,
  openFileLimit: number | undefined,
): void {
  if (openFileLimit === undefined || demand.total <= openFileLimit) return;
  const caps = Object.fromEntries(demand.caps.map((cap) => [cap.key, cap.descriptors]));
  const keys = demand.caps.map((cap) => `${cap.key} (${cap.reading})`).join(', ');
  logger.warn(
    { event: 'descriptor-limit-low', openFileLimit, demand: demand.total, process: demand.process, caps },
    `the open-file limit (${openFileLimit}) is below what the connection caps let ${processNames[demand.process]} ` +
      `hold (${demand.total}, with ${ownDescriptors} for Bulwark itself): a flood on one listener can take the ` +
      `descriptors the other listeners and the upstreams need. Raise the limit (ulimit -n, systemd ` +
      `LimitNOFILE=) or lower ${keys}`,
  );
}

const processNames: Record<DescriptorDemand['process'], string> = {
  single: 'this process',
  primary: 'the primary',
  worker: 'each gateway worker',
};
