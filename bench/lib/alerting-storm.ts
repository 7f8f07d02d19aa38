import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  outboxCounts,
  withAlertingRig,
  type AlertingSettings,
  type BenchMonitor,
  type LaunchContext,
} from './alerting-bulwark.ts';
import { groupCpuMs } from './cpu.ts';
import { crossingCheck, epochNowMs, type FlipUpstream } from './flip-upstream.ts';
import { RssSampler } from './memory.ts';
import { median } from './report.ts';
import { type DeliveredNotification, type WebhookInbox } from './webhook-inbox.ts';

/**
 * Target 3 of issue 6: N monitors of one component fail at once (one cause) and recover at once. Counts the
 * webhook requests per route and group in each half, and checks every monitor's alert was delivered firing
 * and then resolved.
 */

export interface StormScenario {
  readonly settings: AlertingSettings;
  readonly monitorCount: number;
  /** How long after the last expected notification the bench keeps listening for more. */
  readonly settleMs: number;
}

/** One half of the storm: the monitors going down, or coming back. */
export interface StormHalf {
  /** First and last alert starts (see halfOf), relative to the flip (Alertmanager: to the half's start). */
  readonly firstCrossingMs: number;
  readonly lastCrossingMs: number;
  readonly notifications: readonly DeliveredNotification[];
  /** Distinct monitors whose alert arrived in this half with the half's status. */
  readonly monitorsDelivered: number;
  /** Per alert: its first notification with the half's status − its own start (group_wait included). */
  readonly notifiedAfterCrossingMs: { readonly median: number; readonly max: number };
  /** Alerts starting after the half's first notification arrived: they need a later notification. */
  readonly crossingsAfterFirstNotification: number;
}

export interface StormResult {
  readonly scenario: StormScenario;
  readonly startupMs: number;
  readonly down: StormHalf;
  readonly up: StormHalf;
  /** Share of one core over the storm, and over a window before it with every monitor up. */
  readonly cpuShare: number | undefined;
  readonly baselineCpuShare: number | undefined;
  readonly windowS: number;
  readonly peakRssBytes: number;
  readonly outbox: Record<'pending' | 'dead', number>;
}

const baselineMs = 5_000;
// Beyond success_threshold checks: room for a slow resolution to show as slow rather than as a failure.
const resolveSlackMs = 30_000;

export async function runStorm(
  ctx: LaunchContext & { tempDir: string; log: (line: string) => void },
  scenario: StormScenario,
): Promise<StormResult> {
  const { settings } = scenario;
  const monitors: BenchMonitor[] = Array.from({ length: scenario.monitorCount }, (_, i) => ({
    name: `S${i + 1}`,
    path: `/s/${i + 1}`,
    component: 'storefront',
  }));
  const dir = join(ctx.tempDir, 'storm');
  return withAlertingRig(ctx, dir, { monitors, settings }, async ({ upstream, inbox, bulwark }) => {
    const sampler = new RssSampler(bulwark.pid);
    try {
      ctx.log(
        `storm: ${monitors.length} monitors, listening after ${(bulwark.startupMs / 1000).toFixed(1)} s`,
      );
      await sleep((settings.successThreshold + 3) * settings.intervalMs);
      // The same monitors all up: what the storm costs beyond checking them.
      const baseline = await cpuShareOf(bulwark.pid, () => sleep(baselineMs));
      const half = { settings, monitors, upstream, inbox, settleMs: scenario.settleMs };
      const storm = await cpuShareOf(bulwark.pid, async () => {
        // Stragglers that miss group_wait go out at the next group_interval tick: wait that long for them.
        const downWaitMs =
          (settings.failureThreshold + 1) * settings.intervalMs +
          settings.groupWaitMs +
          settings.groupIntervalMs;
        const down = await runHalf(half, 'firing', downWaitMs);
        ctx.log(`storm: ${down.notifications.length} notifications while going down; recovering`);
        const upWaitMs = (settings.successThreshold + 1) * settings.intervalMs + resolveSlackMs;
        const up = await runHalf(half, 'resolved', upWaitMs);
        ctx.log(`storm: ${up.notifications.length} notifications while recovering`);
        return { down, up };
      });
      sampler.sample();
      return {
        scenario,
        startupMs: bulwark.startupMs,
        ...storm.result,
        cpuShare: storm.share,
        baselineCpuShare: baseline.share,
        windowS: storm.windowS,
        peakRssBytes: sampler.peakBytes,
        outbox: await outboxCounts(bulwark.adminUrl),
      };
    } finally {
      sampler.stop();
    }
  });
}

interface HalfDeps {
  readonly settings: AlertingSettings;
  readonly monitors: readonly BenchMonitor[];
  readonly upstream: FlipUpstream;
  readonly inbox: WebhookInbox;
  readonly settleMs: number;
}

/** Flips every monitor, waits until each one's alert arrived with `status` (or `timeoutMs`), then settles. */
async function runHalf(deps: HalfDeps, status: 'firing' | 'resolved', timeoutMs: number): Promise<StormHalf> {
  const { settings, monitors, upstream, inbox } = deps;
  const isDown = status === 'firing';
  const flipMs = epochNowMs();
  upstream.setFailing(
    monitors.map((m) => m.path),
    isDown,
  );
  const ids = new Set(monitors.map((m) => m.name.toLowerCase()));
  const deliveredAtMs = await awaitDeliveries(inbox, {
    ids,
    status,
    sinceMs: flipMs,
    deadlineMs: flipMs + timeoutMs,
  });
  await sleep(deps.settleMs);
  const crossingAtMs = new Map(
    monitors.map((m) => {
      const threshold = isDown ? settings.failureThreshold : settings.successThreshold;
      const check = crossingCheck(upstream.arrivalsOf(m.path), flipMs, isDown ? 503 : 200, threshold);
      return [m.name.toLowerCase(), check?.atMs ?? Number.NaN];
    }),
  );
  return halfOf({ startedAtMs: crossingAtMs, sinceMs: flipMs, inbox, deliveredAtMs });
}

/** Each monitor's first notification since `sinceMs` carrying its alert with `status`, polled until all or the deadline. */
export async function awaitDeliveries(
  inbox: WebhookInbox,
  wanted: { ids: ReadonlySet<string>; status: 'firing' | 'resolved'; sinceMs: number; deadlineMs: number },
): Promise<Map<string, number>> {
  const deliveredAtMs = new Map<string, number>();
  while (deliveredAtMs.size < wanted.ids.size && epochNowMs() < wanted.deadlineMs) {
    await sleep(50);
    for (const n of inbox.received) {
      if (n.receivedAtMs < wanted.sinceMs) continue;
      for (const a of n.alerts) {
        if (a.status === wanted.status && wanted.ids.has(a.monitor) && !deliveredAtMs.has(a.monitor))
          deliveredAtMs.set(a.monitor, n.receivedAtMs);
      }
    }
  }
  return deliveredAtMs;
}

/**
 * One half's numbers. `startedAtMs` is each alert's own start: for Bulwark the upstream's arrival of its
 * threshold-crossing check, for Alertmanager the start of the POST that carried it.
 */
export function halfOf(h: {
  startedAtMs: ReadonlyMap<string, number>;
  sinceMs: number;
  inbox: WebhookInbox;
  deliveredAtMs: ReadonlyMap<string, number>;
}): StormHalf {
  const starts = [...h.startedAtMs.values()];
  const notifications = h.inbox.received.filter((n) => n.receivedAtMs >= h.sinceMs);
  const firstNotifiedMs = notifications[0]?.receivedAtMs ?? Number.POSITIVE_INFINITY;
  const waits = [...h.deliveredAtMs].map(([id, atMs]) => atMs - (h.startedAtMs.get(id) ?? Number.NaN));
  return {
    firstCrossingMs: Math.min(...starts) - h.sinceMs,
    lastCrossingMs: Math.max(...starts) - h.sinceMs,
    notifications,
    monitorsDelivered: h.deliveredAtMs.size,
    notifiedAfterCrossingMs: { median: median(waits), max: Math.max(...waits) },
    crossingsAfterFirstNotification: starts.filter((atMs) => atMs > firstNotifiedMs).length,
  };
}

/** Runs `work` and reports the share of one core the process group used meanwhile (undefined without /proc). */
export async function cpuShareOf<T>(
  groupId: number,
  work: () => Promise<T>,
): Promise<{ result: T; share: number | undefined; windowS: number }> {
  const beforeMs = groupCpuMs(groupId);
  const startedMs = performance.now();
  const result = await work();
  const afterMs = groupCpuMs(groupId);
  const windowS = (performance.now() - startedMs) / 1000;
  const share =
    beforeMs === undefined || afterMs === undefined ? undefined : (afterMs - beforeMs) / 1000 / windowS;
  return { result, share, windowS };
}
