import { setTimeout as sleep } from 'node:timers/promises';
import type { AlertingSettings } from './alerting-bulwark.ts';
import { flapListenMs, sleepUntil, staggerMs, type FlapEpisode, type FlapResult } from './alerting-flap.ts';
import { withAlertmanager, type PeerContext } from './alertmanager-process.ts';
import type { PrometheusSender, PromAlert } from './alertmanager-sender.ts';
import type { DeliveredNotification, WebhookInbox } from './webhook-inbox.ts';

/**
 * The latency and flap scenarios against a real Alertmanager. It has no monitors, so the bench plays
 * Prometheus, and every time is taken from the start of the bench's POST: Alertmanager's pipeline only.
 */

export interface PeerLatencyCycle {
  readonly monitor: string;
  /** Firing webhook − start of the firing POST − group_wait. */
  readonly firingMs: number;
  /** Resolved webhook − start of the resolving POST. */
  readonly resolvedMs: number;
  /** Firing webhook → resolving POST: where the recovery fell in the group's group_interval cycle. */
  readonly recoveryAfterNoticeMs: number;
  /** Notifications the alert's group received over the run (2 expected: firing, resolved). */
  readonly notifications: number;
}

export interface PeerLatencyResult {
  readonly startupMs: number;
  readonly cycles: readonly PeerLatencyCycle[];
  readonly resendPosts: number;
  readonly resendFailures: readonly string[];
}

// A notice may just miss a group_interval tick and wait for the next one.
const noticeTimeoutMs = (settings: AlertingSettings): number =>
  settings.groupWaitMs + 2 * settings.groupIntervalMs + 10_000;

/**
 * One alert per group, all cycles at once (each group has its own timer, so they do not interact). The
 * recovery comes at a uniformly random point of the first group_interval after the firing notice: when an
 * outage ends is independent of when its group's ticks fall, and Alertmanager's delay depends on exactly that.
 */
export async function runAlertmanagerLatency(
  ctx: PeerContext,
  scenario: { readonly settings: AlertingSettings; readonly cycles: number },
): Promise<PeerLatencyResult> {
  const { settings } = scenario;
  const alerts = Array.from({ length: scenario.cycles }, (_, i) => ({
    monitor: `l${i + 1}`,
    component: `c${i + 1}`,
  }));
  return withAlertmanager(ctx, 'am-latency', settings, async ({ inbox, sender, am }) => {
    const cycleS = (settings.groupWaitMs + settings.groupIntervalMs) / 1000;
    ctx.log(`alertmanager latency: ${alerts.length} cycles at once, about ${cycleS.toFixed(0)} s`);
    const cycles = await Promise.all(
      alerts.map(async (alert, i) => {
        await sleep(staggerMs(i, settings.intervalMs));
        return cycleOnce(alert, { settings, inbox, sender });
      }),
    );
    // Room for a late duplicate to show up before the count.
    await sleep(settings.intervalMs);
    return {
      startupMs: am.startupMs,
      resendPosts: sender.resendPosts,
      resendFailures: sender.resendFailures,
      cycles: cycles.map((cycle, i) => ({
        ...cycle,
        notifications: inbox.received.filter((n) => n.component === alerts[i]?.component).length,
      })),
    };
  });
}

async function cycleOnce(
  alert: PromAlert,
  deps: { settings: AlertingSettings; inbox: WebhookInbox; sender: PrometheusSender },
): Promise<Omit<PeerLatencyCycle, 'notifications'>> {
  const { settings, inbox, sender } = deps;
  const ofGroup = (n: DeliveredNotification) => n.component === alert.component;
  const firedMs = await sender.fire([alert]);
  const firing = await inbox.waitFor((n) => ofGroup(n) && n.status === 'firing', noticeTimeoutMs(settings));
  await sleep(Math.random() * settings.groupIntervalMs);
  const recoveredMs = await sender.resolve([alert.monitor]);
  const resolved = await inbox.waitFor(
    (n) => ofGroup(n) && n.status === 'resolved' && n.receivedAtMs > firing.receivedAtMs,
    noticeTimeoutMs(settings),
  );
  return {
    monitor: alert.monitor,
    firingMs: firing.receivedAtMs - firedMs - settings.groupWaitMs,
    resolvedMs: resolved.receivedAtMs - recoveredMs,
    recoveryAfterNoticeMs: recoveredMs - firing.receivedAtMs,
  };
}

/**
 * The flap scenario: each alert alone in its group, resolved success_threshold × interval after it fired
 * (as long as Bulwark's flapping alert lives), and the bench listens as long as on Bulwark's side.
 */
export async function runAlertmanagerFlap(
  ctx: PeerContext,
  scenario: { readonly settings: AlertingSettings; readonly flaps: number },
): Promise<FlapResult> {
  const { settings } = scenario;
  const alerts = Array.from({ length: scenario.flaps }, (_, i) => ({
    monitor: `f${i + 1}`,
    component: `f${i + 1}`,
  }));
  const aliveMs = settings.successThreshold * settings.intervalMs;
  return withAlertmanager(ctx, 'am-flap', settings, async ({ inbox, sender, am }) => {
    ctx.log(
      `alertmanager flap: ${alerts.length} flaps at once, listening ${(flapListenMs(settings) / 1000).toFixed(0)} s`,
    );
    const episodes = await Promise.all(
      alerts.map(async (alert, i): Promise<FlapEpisode> => {
        await sleep(staggerMs(i, settings.intervalMs));
        const firedMs = await sender.fire([alert]);
        await assertActive(am.url, alert.monitor);
        await sleepUntil(firedMs + aliveMs);
        const recoveredMs = await sender.resolve([alert.monitor]);
        await sleepUntil(firedMs + flapListenMs(settings));
        const heard = inbox.received.filter((n) => n.component === alert.component);
        return {
          monitor: alert.monitor,
          episodeMs: recoveredMs - firedMs,
          statuses: heard.map((n) => n.status),
          noticeAfterRecoveryMs: (heard[0]?.receivedAtMs ?? Number.NaN) - recoveredMs,
        };
      }),
    );
    // Prometheus re-sends a resolved alert for 15 min; the window holds the first re-send, 60 s on.
    ctx.log(
      `alertmanager flap: ${sender.resendPosts} re-send POSTs of the resolved alerts inside the window`,
    );
    return { groupWaitMs: settings.groupWaitMs, listenMs: flapListenMs(settings), episodes };
  });
}

/** The alert was taken in and is active, so a silent receiver means Alertmanager chose not to tell. */
async function assertActive(url: string, monitor: string): Promise<void> {
  const filter = encodeURIComponent(`monitor="${monitor}"`);
  const res = await fetch(`${url}/api/v2/alerts?filter=${filter}`, { signal: AbortSignal.timeout(5_000) });
  const alerts = (await res.json()) as { status: { state: string } }[];
  if (!res.ok || alerts[0]?.status.state !== 'active')
    throw new Error(`${monitor}: Alertmanager does not list the alert as active after the POST`);
}
