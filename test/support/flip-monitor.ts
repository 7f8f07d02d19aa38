import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { adminJson, type AdminJson } from './admin-json.ts';
import { startBulwarkProcess } from './bulwark-process.ts';
import { startFromFile, writeTempConfig } from './config-file.ts';
import { startRecordingReceiver, type RecordingReceiver } from './recording-receiver.ts';
import { startTestUpstream, type TestUpstream } from './test-upstream.ts';

const adminToken = 'flip-monitor-token-0123456789';
const hourMs = 3_600_000;

export interface FlipMonitorOptions {
  /** Bulwark inside the test's process, or `bulwark start -c FILE` as a child process (a real restart). */
  readonly runs: 'in-process' | 'child-process';
  /** Names the temp directory that holds bulwark.yaml and the data_dir. */
  readonly tempPrefix: string;
  /** Whether the upstream answers 200 (else 503) until a test switches it. */
  readonly isHealthy: boolean;
  /** The monitor's `interval` and `timeout`, as config durations (`200ms`). */
  readonly interval: string;
  readonly timeout: string;
  /** Default 1: the first failing check takes the monitor down. */
  readonly failureThreshold?: number;
  /** `alerting.defaults`, as config durations. */
  readonly groupWait: string;
  readonly groupInterval: string;
  /** More lines under `status_page:`, after the API component (more components, maintenance windows). */
  readonly statusPageLines?: readonly string[];
}

export interface AlertView {
  readonly labels: Record<string, string>;
  readonly startsAt: string;
  readonly suppressedBy: { readonly by: string } | null;
}

export interface MonitorView {
  readonly state: string;
  readonly last_result: { readonly at: string; readonly verdict: string } | null;
}

/** One notification the receiver got: its status and its alerts' starts. */
export interface Told {
  readonly status: string;
  readonly startsAt: readonly string[];
}

/**
 * A monitor `flip` against an upstream whose health `isHealthy` switches, behind Bulwark with a webhook
 * receiver and a status page whose component `api` reads the monitor. start() in beforeAll, close() in
 * afterAll; the rest once started.
 */
export interface FlipMonitor {
  isHealthy: boolean;
  readonly receiver: RecordingReceiver;
  readonly statusUrl: string;
  readonly admin: AdminJson;
  readonly start: () => Promise<void>;
  /** Stops Bulwark (SIGTERM to a child process) and starts it on the same file; the stop's exit code. */
  readonly restart: () => Promise<number | null>;
  readonly close: () => Promise<void>;
  readonly downAlerts: () => Promise<AlertView[]>;
  readonly downAlertStarts: () => Promise<string[]>;
  readonly monitor: () => Promise<MonitorView>;
  /** Schedules a window over the API component from a second ago for an hour: the admin API's answer. */
  readonly openWindow: () => Promise<{ status: number; body: { id: string } }>;
  /** The component's status in the Statuspage v2 API. */
  readonly componentStatus: (id: string) => Promise<string | undefined>;
  /** Every notification the receiver got, oldest first. */
  readonly told: () => Told[];
  /** Their statuses alone. */
  readonly notified: () => string[];
}

interface RunningBulwark {
  readonly adminUrl: string;
  readonly statusUrl: string | undefined;
  /** The exit code of a child process; 0 once Bulwark in this process stopped. */
  stop(): Promise<number | null>;
}

interface Parts {
  readonly upstream: TestUpstream;
  readonly receiver: RecordingReceiver;
  readonly dir: string;
  readonly file: string;
}

export function flipMonitor(options: FlipMonitorOptions): FlipMonitor {
  let parts: Parts | undefined;
  let bulwark: RunningBulwark | undefined;
  const started = <T>(part: T | undefined): T => {
    if (part === undefined) throw new Error('the flip monitor is not started');
    return part;
  };
  const admin = adminJson(() => started(bulwark).adminUrl, adminToken);
  const run = (file: string) =>
    options.runs === 'in-process' ? startInProcess(file) : startChildProcess(file);

  const flip: FlipMonitor = {
    isHealthy: options.isHealthy,
    get receiver() {
      return started(parts).receiver;
    },
    get statusUrl() {
      const url = started(bulwark).statusUrl;
      if (url === undefined) throw new Error('Bulwark did not say where its status page listens');
      return url;
    },
    admin,
    start: async () => {
      const upstream = await startTestUpstream((_req, res) =>
        res.writeHead(flip.isHealthy ? 200 : 503).end(),
      );
      const receiver = await startRecordingReceiver();
      const { dir, file } = await writeTempConfig(options.tempPrefix, (dir) =>
        configText({ ...options, dataDir: join(dir, 'data'), upstreamUrl: upstream.url, receiver }),
      );
      parts = { upstream, receiver, dir, file };
      bulwark = await run(file);
    },
    restart: async () => {
      const exitCode = await started(bulwark).stop();
      bulwark = await run(started(parts).file);
      return exitCode;
    },
    close: async () => {
      await bulwark?.stop();
      if (!parts) return;
      await Promise.all([parts.upstream.close(), parts.receiver.close()]);
      await rm(parts.dir, { recursive: true, force: true });
    },
    downAlerts: async () =>
      (await admin<{ alerts: AlertView[] }>('GET', '/api/v1/alerts')).body.alerts.filter(
        (a) => a.labels['alertname'] === 'monitor-down',
      ),
    downAlertStarts: async () => (await flip.downAlerts()).map((a) => a.startsAt),
    monitor: async () => (await admin<MonitorView>('GET', '/api/v1/monitors/flip')).body,
    openWindow: () =>
      admin<{ id: string }>('POST', '/api/v1/scheduled-maintenances', {
        scheduled_maintenance: {
          name: 'Database upgrade',
          component_ids: ['api'],
          scheduled_for: new Date(Date.now() - 1_000).toISOString(),
          scheduled_until: new Date(Date.now() + hourMs).toISOString(),
        },
      }),
    componentStatus: async (id) => {
      const res = await fetch(`${flip.statusUrl}/api/v2/components.json`);
      const { components } = (await res.json()) as { components: { id: string; status: string }[] };
      return components.find((c) => c.id === id)?.status;
    },
    told: () =>
      flip.receiver.requests.map((r) => {
        const body = JSON.parse(r.body) as { status: string; alerts: { startsAt: string }[] };
        return { status: body.status, startsAt: body.alerts.map((a) => a.startsAt) };
      }),
    notified: () => flip.told().map((t) => t.status),
  };
  return flip;
}

function configText(
  options: FlipMonitorOptions & { dataDir: string; upstreamUrl: string; receiver: RecordingReceiver },
): string {
  const { upstreamUrl, interval, timeout, failureThreshold = 1 } = options;
  return [
    'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
    `admin: { tokens: ["${adminToken}"] }`,
    `data_dir: ${options.dataDir}`,
    `pools: { api: { endpoints: [{ url: "${upstreamUrl}" }] } }`,
    'routes: [{ pool: api }]',
    'monitors:',
    `  - { name: Flip, url: "${upstreamUrl}/flip", type: http, interval: ${interval}, timeout: ${timeout}, failure_threshold: ${failureThreshold}, success_threshold: 1 }`,
    'alerting:',
    `  defaults: { group_wait: ${options.groupWait}, group_interval: ${options.groupInterval} }`,
    '  routes: [{ notify: [hooks] }]',
    `  notifiers: { hooks: { type: webhook, url: "${options.receiver.url}/hook" } }`,
    'status_page:',
    '  title: Acme',
    '  components:',
    '    - { name: API, from: { monitors: [flip] } }',
    ...(options.statusPageLines ?? []),
  ].join('\n');
}

async function startInProcess(file: string): Promise<RunningBulwark> {
  const bulwark = await startFromFile(file);
  return {
    adminUrl: bulwark.adminUrl,
    statusUrl: bulwark.statusUrl,
    stop: async () => {
      await bulwark.stop();
      return 0;
    },
  };
}

async function startChildProcess(file: string): Promise<RunningBulwark> {
  const bulwark = await startBulwarkProcess(file);
  return {
    adminUrl: bulwark.adminUrl,
    statusUrl: bulwark.statusUrl,
    stop: () => {
      bulwark.child.kill('SIGTERM');
      return bulwark.exited();
    },
  };
}
