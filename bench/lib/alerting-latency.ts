import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  monitorState,
  withAlertingRig,
  type AlertingSettings,
  type BenchMonitor,
  type LaunchContext,
} from './alerting-bulwark.ts';
import { crossingCheck, epochNowMs, startFlipUpstream } from './flip-upstream.ts';
import { startWebhookInbox, type DeliveredNotification } from './webhook-inbox.ts';

/**
 * Targets 1 and 2 of issue 6: one monitor at a time goes down and comes back, each in its own group, and the
 * bench times the webhook's arrival from the check that crossed the threshold (as the upstream saw it arrive)
 * and from the state change Bulwark reports (`since`).
 */

export interface LatencyCycle {
  readonly monitor: string;
  /** Flip to the upstream's arrival of the check that crossed failure_threshold: detection, not alerting. */
  readonly detectMs: number;
  /** Firing webhook − crossing check's arrival − group_wait. */
  readonly firingMs: number;
  /** Firing webhook − Bulwark's `since` − group_wait. */
  readonly firingFromSinceMs: number;
  /** Resolved webhook − arrival of the check that crossed success_threshold. */
  readonly resolvedMs: number;
  /** Resolved webhook − Bulwark's `since` of the recovery. */
  readonly resolvedFromSinceMs: number;
  /** Notifications the monitor's group received over the run (2 expected: first, resolved). */
  readonly notifications: number;
}

export interface LatencyResult {
  readonly settings: AlertingSettings;
  readonly startupMs: number;
  readonly cycles: readonly LatencyCycle[];
}

export interface LatencyScenario {
  readonly settings: AlertingSettings;
  readonly cycles: number;
}

const waitTimeoutMs = 20_000;

export async function runLatency(
  ctx: LaunchContext & { tempDir: string; log: (line: string) => void },
  scenario: LatencyScenario,
): Promise<LatencyResult> {
  const { settings } = scenario;
  const monitors: BenchMonitor[] = Array.from({ length: scenario.cycles }, (_, i) => ({
    name: `L${i + 1}`,
    path: `/l/${i + 1}`,
    component: `c${i + 1}`,
  }));
  const dir = join(ctx.tempDir, 'latency');
  return withAlertingRig(ctx, dir, { monitors, settings }, async ({ upstream, inbox, bulwark }) => {
    ctx.log(`latency: listening after ${(bulwark.startupMs / 1000).toFixed(1)} s; monitors coming up`);
    await sleep((settings.successThreshold + 2) * settings.intervalMs);
    const cycles: Omit<LatencyCycle, 'notifications'>[] = [];
    for (const monitor of monitors) {
      const cycle = await runCycle(monitor, { settings, upstream, inbox, adminUrl: bulwark.adminUrl });
      ctx.log(
        `latency ${cycles.length + 1}/${monitors.length}: firing +${cycle.firingMs.toFixed(0)} ms beyond ` +
          `group_wait, resolved after ${cycle.resolvedMs.toFixed(0)} ms`,
      );
      cycles.push(cycle);
    }
    // Room for a late duplicate to show up before the count.
    await sleep(settings.intervalMs);
    return {
      settings,
      startupMs: bulwark.startupMs,
      cycles: cycles.map((cycle, i) => ({
        ...cycle,
        notifications: inbox.received.filter((n) => n.component === monitors[i]?.component).length,
      })),
    };
  });
}

async function runCycle(
  monitor: BenchMonitor,
  deps: {
    settings: AlertingSettings;
    upstream: Awaited<ReturnType<typeof startFlipUpstream>>;
    inbox: Awaited<ReturnType<typeof startWebhookInbox>>;
    adminUrl: string;
  },
): Promise<Omit<LatencyCycle, 'notifications'>> {
  const { settings, upstream, inbox, adminUrl } = deps;
  const id = monitor.name.toLowerCase();
  const ofGroup = (n: DeliveredNotification) => n.component === monitor.component;
  // A random phase against the monitor's check grid, so the cycles do not all flip at the same point of it.
  await sleep(Math.random() * settings.intervalMs);
  const downFlipMs = epochNowMs();
  upstream.setFailing([monitor.path], true);
  const firing = await inbox.waitFor((n) => ofGroup(n) && n.status === 'firing', waitTimeoutMs);
  const down = await monitorState(adminUrl, id);
  const downCheck = crossingCheck(
    upstream.arrivalsOf(monitor.path),
    downFlipMs,
    503,
    settings.failureThreshold,
  );
  await sleep(Math.random() * settings.intervalMs);
  const upFlipMs = epochNowMs();
  upstream.setFailing([monitor.path], false);
  const resolved = await inbox.waitFor(
    (n) => ofGroup(n) && n.status === 'resolved' && n.receivedAtMs > firing.receivedAtMs,
    waitTimeoutMs,
  );
  const up = await monitorState(adminUrl, id);
  const upCheck = crossingCheck(upstream.arrivalsOf(monitor.path), upFlipMs, 200, settings.successThreshold);
  if (!downCheck || !upCheck || down.state !== 'down' || up.state !== 'up')
    throw new Error(`${id}: the upstream's log or the monitor's state does not show the expected cycle`);
  return {
    monitor: id,
    detectMs: downCheck.atMs - downFlipMs,
    firingMs: firing.receivedAtMs - downCheck.atMs - settings.groupWaitMs,
    firingFromSinceMs: firing.receivedAtMs - down.sinceMs - settings.groupWaitMs,
    resolvedMs: resolved.receivedAtMs - upCheck.atMs,
    resolvedFromSinceMs: resolved.receivedAtMs - up.sinceMs,
  };
}
