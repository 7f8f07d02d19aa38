import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  monitorState,
  withAlertingRig,
  type AlertingSettings,
  type BenchMonitor,
  type LaunchContext,
} from './alerting-bulwark.ts';
import { crossingCheck, epochNowMs, type FlipUpstream } from './flip-upstream.ts';
import { type WebhookInbox } from './webhook-inbox.ts';

/**
 * Issue 6's "quieter when things flap": an alert that fires and resolves before its group's first
 * notification is due. Each flap is one monitor alone in its group, down for failure_threshold checks and up
 * at once, so its alert lives success_threshold checks (2 s), well inside the flap run's group_wait.
 */

export interface FlapEpisode {
  readonly monitor: string;
  /** Fired → resolved: Bulwark's down → up crossing checks; Alertmanager's firing → resolving POST. */
  readonly episodeMs: number;
  /** Status of each notification the alert's group received while the bench listened, in order. */
  readonly statuses: readonly string[];
  /** First notification − the recovery (up crossing check, or resolving POST); NaN when none came. */
  readonly noticeAfterRecoveryMs: number;
}

export interface FlapResult {
  readonly groupWaitMs: number;
  /** How long after each alert fired the bench listened: group_wait, then a whole group_interval. */
  readonly listenMs: number;
  readonly episodes: readonly FlapEpisode[];
}

export interface FlapScenario {
  /** The run's settings with the flap's group_wait. */
  readonly settings: AlertingSettings;
  readonly flaps: number;
}

const crossingTimeoutMs = 20_000;

/** The flap run's listening window; both sides use it. */
export const flapListenMs = (settings: AlertingSettings): number =>
  settings.groupWaitMs + settings.groupIntervalMs + 2_000;

/** Sleeps until an epoch time; Node warns about a negative timeout, so a past time is 0. */
export const sleepUntil = (epochMs: number): Promise<void> => sleep(Math.max(0, epochMs - epochNowMs()));

/** A stagger between concurrent flaps or cycles, so they do not all start at the same point of the check grid. */
export const staggerMs = (index: number, intervalMs: number): number =>
  index * 400 + Math.random() * intervalMs;

export async function runFlap(
  ctx: LaunchContext & { tempDir: string; log: (line: string) => void },
  scenario: FlapScenario,
): Promise<FlapResult> {
  const { settings } = scenario;
  const monitors: BenchMonitor[] = Array.from({ length: scenario.flaps }, (_, i) => ({
    name: `F${i + 1}`,
    path: `/f/${i + 1}`,
    component: `f${i + 1}`,
  }));
  const dir = join(ctx.tempDir, 'flap');
  return withAlertingRig(ctx, dir, { monitors, settings }, async ({ upstream, inbox, bulwark }) => {
    ctx.log(
      `flap: ${monitors.length} flaps at once, listening ${(flapListenMs(settings) / 1000).toFixed(0)} s`,
    );
    await sleep((settings.successThreshold + 2) * settings.intervalMs);
    const deps = { settings, upstream, inbox, adminUrl: bulwark.adminUrl };
    const episodes = await Promise.all(
      monitors.map(async (monitor, i) => {
        await sleep(staggerMs(i, settings.intervalMs));
        return flapOnce(monitor, deps);
      }),
    );
    return { groupWaitMs: settings.groupWaitMs, listenMs: flapListenMs(settings), episodes };
  });
}

async function flapOnce(
  monitor: BenchMonitor,
  deps: { settings: AlertingSettings; upstream: FlipUpstream; inbox: WebhookInbox; adminUrl: string },
): Promise<FlapEpisode> {
  const { settings, upstream, inbox } = deps;
  const id = monitor.name.toLowerCase();
  const downFlipMs = epochNowMs();
  upstream.setFailing([monitor.path], true);
  const down = await awaitCrossing(upstream, monitor.path, downFlipMs, 503, settings.failureThreshold);
  // The alert must really have fired before the recovery; the next check is an interval away anyway.
  await awaitState(deps.adminUrl, id, 'down');
  const upFlipMs = epochNowMs();
  upstream.setFailing([monitor.path], false);
  const up = await awaitCrossing(upstream, monitor.path, upFlipMs, 200, settings.successThreshold);
  await sleepUntil(down + flapListenMs(settings));
  const heard = inbox.received.filter((n) => n.component === monitor.component);
  return {
    monitor: id,
    episodeMs: up - down,
    statuses: heard.map((n) => n.status),
    noticeAfterRecoveryMs: (heard[0]?.receivedAtMs ?? Number.NaN) - up,
  };
}

/** The upstream's arrival time of the check that crossed the threshold, polled from its log. */
async function awaitCrossing(
  upstream: FlipUpstream,
  path: string,
  afterMs: number,
  status: number,
  count: number,
): Promise<number> {
  const deadlineMs = afterMs + crossingTimeoutMs;
  while (epochNowMs() < deadlineMs) {
    const check = crossingCheck(upstream.arrivalsOf(path), afterMs, status, count);
    if (check) return check.atMs;
    await sleep(5);
  }
  throw new Error(`${path}: no ${count} × ${status} within ${crossingTimeoutMs} ms`);
}

async function awaitState(adminUrl: string, id: string, state: string): Promise<void> {
  const deadlineMs = epochNowMs() + 2_000;
  while (epochNowMs() < deadlineMs) {
    if ((await monitorState(adminUrl, id)).state === state) return;
    await sleep(20);
  }
  throw new Error(`${id}: Bulwark did not report it ${state} after the crossing check`);
}
