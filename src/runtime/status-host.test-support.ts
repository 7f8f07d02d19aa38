import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText, type Config } from '../config/index.ts';
import { createLogger } from '../observability/index.ts';
import type { MonitorState } from '../status/component-status.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { StatusHost, type StatusHostOptions } from './status-host.ts';

/** A status host on a real SQLite file and a real listener, its time on a fake clock; monitors are set by hand. */
export interface StatusHostHarness {
  /** The running host; a new one after restart(). */
  readonly host: StatusHost;
  readonly clock: FakeClock;
  readonly monitorStates: Map<string, MonitorState>;
  /** A public document from the listener, parsed. */
  page<T>(path: string): Promise<T>;
  /** Moves the clock a second at a time, letting each tick's work (queued on the host) finish. */
  advanceSeconds(seconds: number): Promise<void>;
  /** Stops the host and starts another on the same data directory and clock, as a process restart does. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The config of a harness: `yaml` after `listen`, `data_dir`, `pools` and `routes`, which it supplies. */
/** What a status host needs from the rest of Bulwark, with monitor states set by the test and nothing else. */
export function quietStatusDeps(clock: FakeClock, monitorStates: ReadonlyMap<string, MonitorState>) {
  return {
    clock,
    monitorState: (id: string) => monitorStates.get(id),
    monitorHistories: () => Promise.resolve(new Map()),
    setMonitorMaintenance: () => undefined,
    pools: () => [],
    drain: () => undefined,
    alertSink: () => undefined,
    outbox: () => undefined,
  };
}

export function harnessConfig(dir: string, yaml: readonly string[]): Config {
  return parseConfigText(
    [
      'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
      `data_dir: ${join(dir, 'data')}`,
      'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
      'routes: [{ pool: api }]',
      ...yaml,
    ].join('\n'),
  );
}

/** `gateway` stands in for the gateway's pools and counters and the monitors' history (none by default). */
export async function startStatusHost(
  yaml: readonly string[],
  startMs: number,
  gateway: Partial<Pick<StatusHostOptions, 'pools' | 'poolSamples' | 'monitorHistories'>> = {},
): Promise<StatusHostHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-status-host-'));
  const config = harnessConfig(dir, yaml);
  const clock = new FakeClock(startMs);
  const monitorStates = new Map<string, MonitorState>();
  const start = () =>
    StatusHost.start(config, {
      logger: createLogger({ level: 'silent' }),
      ...quietStatusDeps(clock, monitorStates),
      ...gateway,
    });
  let host = await start();
  const settle = async () => {
    // A tick's task queues its steps on the host one after another; a few empty turns let them all run.
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      await host.serially(() => Promise.resolve());
    }
  };
  return {
    get host() {
      return host;
    },
    clock,
    monitorStates,
    async page<T>(path: string): Promise<T> {
      const res = await fetch(`${host.url}${path}`);
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      return (await res.json()) as T;
    },
    async advanceSeconds(seconds) {
      for (let i = 0; i < seconds; i++) {
        clock.advance(1_000);
        await settle();
      }
    },
    async restart() {
      await host.stop();
      host = await start();
    },
    async stop() {
      await host.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
