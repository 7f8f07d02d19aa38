import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAdminServer, type RunningAdminServer } from '../admin/http/server.ts';
import { createLogger } from '../observability/index.ts';
import type { MonitorState } from '../status/component-status.ts';
import { adminJson, type AdminJson } from '../../test/support/admin-json.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { harnessConfig, quietStatusDeps } from './status-host.test-support.ts';
import type { StatusHost } from './status-host.ts';
import { StatusSupervisor } from './status-supervisor.ts';

const adminToken = 'status-admin-test-token-0123456789';

/** One parsed log line. */
export type LogLine = Readonly<Record<string, unknown>> & { readonly level: string; readonly msg?: string };

/**
 * The status page's admin API as the process serves it (supervisor, routes, a real admin listener), on a
 * real SQLite file with time on a fake clock; every log line, debug included, is kept in `logs`.
 */
export interface StatusAdminHarness {
  readonly host: StatusHost;
  readonly clock: FakeClock;
  readonly monitorStates: Map<string, MonitorState>;
  readonly logs: LogLine[];
  /** An admin API call with the token. */
  readonly admin: AdminJson;
  /** A public document from the status listener, parsed. */
  page<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

/** `yaml` as for startStatusHost: the config after `listen`, `data_dir`, `pools` and `routes`. */
export async function startStatusAdmin(
  yaml: readonly string[],
  startMs: number,
): Promise<StatusAdminHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-status-admin-'));
  const logs: LogLine[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  });
  const clock = new FakeClock(startMs);
  const monitorStates = new Map<string, MonitorState>();
  const supervisor = new StatusSupervisor(logger, quietStatusDeps(clock, monitorStates));
  await supervisor.apply(harnessConfig(dir, yaml));
  const host = supervisor.host;
  if (!host) throw new Error('the status page did not start');
  let server: RunningAdminServer | undefined;
  try {
    server = await startAdminServer({
      host: '127.0.0.1',
      port: 0,
      metrics: { metricsText: () => Promise.resolve(''), contentType: 'text/plain' },
      isReady: () => true,
      logger,
      adminTokens: () => [adminToken],
      status: supervisor.api,
    });
  } catch (error) {
    await supervisor.stop();
    throw error;
  }
  const url = server.url;
  return {
    host,
    clock,
    monitorStates,
    logs,
    admin: adminJson(() => url, adminToken),
    async page<T>(path: string): Promise<T> {
      const res = await fetch(`${host.url}${path}`);
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      return (await res.json()) as T;
    },
    async stop() {
      await server.close();
      await supervisor.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
