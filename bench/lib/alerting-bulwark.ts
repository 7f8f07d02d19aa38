import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startBenchBulwark, type StartedBulwark } from './bulwark-start.ts';
import type { ChildSet } from './children.ts';
import { startFlipUpstream, type FlipUpstream } from './flip-upstream.ts';
import { startWebhookInbox, type WebhookInbox } from './webhook-inbox.ts';

/** A real `bulwark start -c FILE` for bench/alerting.ts: HTTP monitors and one webhook notifier. */

export interface AlertingSettings {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly failureThreshold: number;
  readonly successThreshold: number;
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
}

/** One monitor: its name (the id is its lower-case form), the upstream path it checks, its component. */
export interface BenchMonitor {
  readonly name: string;
  readonly path: string;
  readonly component: string;
}

export type RunningBulwark = StartedBulwark;

export interface LaunchContext {
  readonly children: ChildSet;
  readonly core: number;
}

const startTimeoutMs = 60_000;

export async function startAlertingBulwark(
  ctx: LaunchContext,
  dir: string,
  config: {
    monitors: readonly BenchMonitor[];
    settings: AlertingSettings;
    upstreamUrl: string;
    hookUrl: string;
  },
): Promise<RunningBulwark> {
  mkdirSync(dir, { recursive: true });
  return startBenchBulwark({
    children: ctx.children,
    core: ctx.core,
    dir,
    startTimeoutMs,
    configYaml: (ports) => configYaml({ ...config, ...ports, dataDir: join(dir, 'data') }),
  });
}

function configYaml(c: {
  monitors: readonly BenchMonitor[];
  settings: AlertingSettings;
  upstreamUrl: string;
  hookUrl: string;
  gatewayPort: number;
  adminPort: number;
  dataDir: string;
}): string {
  const s = c.settings;
  const common =
    `interval: ${s.intervalMs}ms, timeout: ${s.timeoutMs}ms, failure_threshold: ${s.failureThreshold}, ` +
    `success_threshold: ${s.successThreshold}, assert: [ status == 200 ]`;
  return [
    'logging: { level: warn }',
    `listen: { gateway: 127.0.0.1:${c.gatewayPort}, admin: 127.0.0.1:${c.adminPort} }`,
    `data_dir: ${JSON.stringify(c.dataDir)}`,
    `pools: { p: { endpoints: [{ url: "${c.upstreamUrl}" }] } }`,
    'routes: [{ pool: p }]',
    'monitors:',
    ...c.monitors.map(
      (m) =>
        `  - { name: ${m.name}, type: http, url: "${c.upstreamUrl}${m.path}", ${common}, labels: { component: ${m.component} } }`,
    ),
    'alerting:',
    `  defaults: { group_by: [component], group_wait: ${s.groupWaitMs}ms, group_interval: ${s.groupIntervalMs}ms, repeat_interval: 4h }`,
    '  routes: [{ notify: [hooks] }]',
    `  notifiers: { hooks: { type: webhook, url: "${c.hookUrl}" } }`,
    '',
  ].join('\n');
}

/** A monitor's state and when it last changed, from the admin API. */
export async function monitorState(
  adminUrl: string,
  id: string,
): Promise<{ state: string; sinceMs: number }> {
  const res = await fetch(`${adminUrl}/api/v1/monitors/${id}`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /api/v1/monitors/${id} answered ${res.status}`);
  const body = (await res.json()) as { state: string; since: string };
  return { state: body.state, sinceMs: Date.parse(body.since) };
}

/** Counts of the outbox by state, from the admin API (at most 1,000 of each). */
export async function outboxCounts(adminUrl: string): Promise<Record<'pending' | 'dead', number>> {
  const count = async (state: string): Promise<number> => {
    const res = await fetch(`${adminUrl}/api/v1/notifications?state=${state}&limit=1000`);
    if (!res.ok) throw new Error(`GET /api/v1/notifications answered ${res.status}`);
    return ((await res.json()) as { notifications: unknown[] }).notifications.length;
  };
  return { pending: await count('pending'), dead: await count('dead') };
}

/** What a scenario drives: the upstream its monitors check, the inbox its notifications reach, Bulwark. */
export interface AlertingRig {
  readonly upstream: FlipUpstream;
  readonly inbox: WebhookInbox;
  readonly bulwark: RunningBulwark;
}

/** Starts a scenario's rig in `dir`, runs `use` on it, and stops all three however `use` ends. */
export async function withAlertingRig<T>(
  ctx: LaunchContext,
  dir: string,
  config: { readonly monitors: readonly BenchMonitor[]; readonly settings: AlertingSettings },
  use: (rig: AlertingRig) => Promise<T>,
): Promise<T> {
  const [upstream, inbox] = await Promise.all([startFlipUpstream(), startWebhookInbox()]);
  try {
    const bulwark = await startAlertingBulwark(ctx, dir, {
      ...config,
      upstreamUrl: upstream.url,
      hookUrl: inbox.url,
    });
    try {
      return await use({ upstream, inbox, bulwark });
    } finally {
      await ctx.children.kill(bulwark.process);
    }
  } finally {
    await Promise.all([upstream.close(), inbox.close()]);
  }
}
