import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrometheusSender } from './alertmanager-sender.ts';
import { type ChildSet, findCommand, freePort, pinned, waitForHttp } from './children.ts';
import { exitedEarly } from './targets.ts';
import { startWebhookInbox, type WebhookInbox } from './webhook-inbox.ts';

/**
 * A real Prometheus Alertmanager for bench/alerting.ts: one route, one webhook receiver, no cluster; and the
 * harness each of its scenarios runs in (a receiver, the bench playing Prometheus).
 */

export const alertmanagerInstallHint = 'apt-get install -y prometheus-alertmanager';

export interface RunningAlertmanager {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly startupMs: number;
}

/** The timers both sides get: Bulwark's `alerting.defaults` and Alertmanager's root `route`. */
export interface GroupTimers {
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
}

const startTimeoutMs = 30_000;

export interface PeerContext {
  readonly children: ChildSet;
  readonly core: number;
  readonly tempDir: string;
  readonly binary: string;
  readonly log: (line: string) => void;
}

/** Alertmanager, a receiver and the bench's Prometheus for one scenario; all stopped afterwards. */
export async function withAlertmanager<T>(
  ctx: PeerContext,
  name: string,
  settings: GroupTimers & { readonly intervalMs: number },
  work: (run: { inbox: WebhookInbox; sender: PrometheusSender; am: RunningAlertmanager }) => Promise<T>,
): Promise<T> {
  const inbox = await startWebhookInbox();
  try {
    const am = await startAlertmanager(ctx, {
      binary: ctx.binary,
      dir: join(ctx.tempDir, name),
      hookUrl: inbox.url,
      timers: settings,
    });
    const sender = new PrometheusSender(am.url, { evalIntervalMs: settings.intervalMs });
    try {
      return await work({ inbox, sender, am });
    } finally {
      await sender.stop();
      await ctx.children.kill(am.process);
    }
  } finally {
    await inbox.close();
  }
}

/** Debian names the binary prometheus-alertmanager; upstream's release tarball names it alertmanager. */
export function findAlertmanager(): string | undefined {
  return findCommand('prometheus-alertmanager') ?? findCommand('alertmanager');
}

/** "0.25.0" from `alertmanager --version`, or the first line when it does not parse. */
export function alertmanagerVersion(binary: string): string {
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  const text = `${run.stdout}${run.stderr}`;
  return /version (\S+)/.exec(text)?.[1] ?? text.split('\n')[0] ?? 'unknown';
}

/**
 * `alertmanager --config.file DIR/alertmanager.yml` pinned to `core`, its log in DIR/alertmanager.log;
 * resolves once /-/ready answers. An empty --cluster.listen-address turns gossip off, so no peer wait
 * (the cluster's `peer_timeout` stage) sits between a group's flush and the webhook.
 */
export async function startAlertmanager(
  ctx: { readonly children: ChildSet; readonly core: number },
  options: {
    readonly binary: string;
    readonly dir: string;
    readonly hookUrl: string;
    readonly timers: GroupTimers;
  },
): Promise<RunningAlertmanager> {
  const { dir } = options;
  mkdirSync(join(dir, 'data'), { recursive: true });
  const configPath = join(dir, 'alertmanager.yml');
  writeFileSync(configPath, configYaml(options.hookUrl, options.timers));
  const port = await freePort();
  const logPath = join(dir, 'alertmanager.log');
  const logFd = openSync(logPath, 'a');
  const [command, args] = pinned(ctx.core, options.binary, [
    `--config.file=${configPath}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ]);
  const startedMs = performance.now();
  const child = ctx.children.spawn(command, args, ['ignore', logFd, logFd]);
  const url = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([waitForHttp(`${url}/-/ready`, startTimeoutMs), exitedEarly(child, logPath)]);
  } catch (error) {
    await ctx.children.kill(child);
    throw error;
  }
  if (child.pid === undefined) throw new Error('Alertmanager started without a pid');
  return { process: child, pid: child.pid, url, startupMs: performance.now() - startedMs };
}

/** The same grouping as Bulwark's bench config: group_by [component], repeat_interval 4h, resolved notices on. */
function configYaml(hookUrl: string, timers: GroupTimers): string {
  return [
    'route:',
    '  receiver: hook',
    '  group_by: [component]',
    `  group_wait: ${timers.groupWaitMs}ms`,
    `  group_interval: ${timers.groupIntervalMs}ms`,
    '  repeat_interval: 4h',
    'receivers:',
    '  - name: hook',
    '    webhook_configs:',
    `      - { url: "${hookUrl}", send_resolved: true }`,
    '',
  ].join('\n');
}
