import { setTimeout as sleep } from 'node:timers/promises';
import type { AlertingSettings } from './alerting-bulwark.ts';
import { sleepUntil } from './alerting-flap.ts';
import { awaitDeliveries, cpuShareOf, halfOf, type StormHalf } from './alerting-storm.ts';
import { withAlertmanager, type PeerContext } from './alertmanager-process.ts';
import type { PrometheusSender, PromAlert } from './alertmanager-sender.ts';
import { epochNowMs } from './flip-upstream.ts';
import { RssSampler } from './memory.ts';
import type { WebhookInbox } from './webhook-inbox.ts';

/**
 * The storm against a real Alertmanager: N alerts of one group start firing, then resolve. Each half posts
 * its alerts spread evenly over one check interval, as Bulwark's N threshold crossings are spread, in a
 * POST every 50 ms (each of at most 64 alerts, Prometheus's batch size). Each alert's start is its POST's.
 */

export interface PeerStormResult {
  readonly monitorCount: number;
  readonly startupMs: number;
  readonly down: StormHalf;
  readonly up: StormHalf;
  /** Share of one core Alertmanager used over both halves. */
  readonly cpuShare: number | undefined;
  readonly windowS: number;
  readonly peakRssBytes: number;
  readonly posts: number;
  readonly resendPosts: number;
  readonly resendFailures: readonly string[];
}

const sliceMs = 50;
// Beyond the group_interval tick a resolution waits for: room for it to show as slow rather than lost.
const resolveSlackMs = 30_000;

export async function runAlertmanagerStorm(
  ctx: PeerContext,
  scenario: { readonly settings: AlertingSettings; readonly monitorCount: number; readonly settleMs: number },
): Promise<PeerStormResult> {
  const { settings } = scenario;
  const alerts: PromAlert[] = Array.from({ length: scenario.monitorCount }, (_, i) => ({
    monitor: `s${i + 1}`,
    component: 'storefront',
  }));
  return withAlertmanager(ctx, 'am-storm', settings, async ({ inbox, sender, am }) => {
    ctx.log(
      `alertmanager storm: ${alerts.length} alerts, listening after ${(am.startupMs / 1000).toFixed(1)} s`,
    );
    const sampler = new RssSampler(am.pid);
    try {
      const half = { settings, alerts, inbox, sender, settleMs: scenario.settleMs };
      const storm = await cpuShareOf(am.pid, async () => {
        const down = await runPeerHalf(
          half,
          'firing',
          settings.groupWaitMs + settings.groupIntervalMs + 10_000,
        );
        ctx.log(`alertmanager storm: ${down.notifications.length} notifications while firing; resolving`);
        const up = await runPeerHalf(half, 'resolved', settings.groupIntervalMs + resolveSlackMs);
        ctx.log(`alertmanager storm: ${up.notifications.length} notifications while resolving`);
        return { down, up };
      });
      sampler.sample();
      return {
        monitorCount: alerts.length,
        startupMs: am.startupMs,
        ...storm.result,
        cpuShare: storm.share,
        windowS: storm.windowS,
        peakRssBytes: sampler.peakBytes,
        posts: sender.posts,
        resendPosts: sender.resendPosts,
        resendFailures: sender.resendFailures,
      };
    } finally {
      sampler.stop();
    }
  });
}

interface PeerHalfDeps {
  readonly settings: AlertingSettings;
  readonly alerts: readonly PromAlert[];
  readonly inbox: WebhookInbox;
  readonly sender: PrometheusSender;
  readonly settleMs: number;
}

/** Posts every alert with `status` over one interval, waits until each arrived so (or `timeoutMs`), settles. */
async function runPeerHalf(
  deps: PeerHalfDeps,
  status: 'firing' | 'resolved',
  timeoutMs: number,
): Promise<StormHalf> {
  const { settings, alerts, inbox, sender } = deps;
  const sinceMs = epochNowMs();
  const slices = Math.max(1, Math.round(settings.intervalMs / sliceMs));
  const perSlice = Math.ceil(alerts.length / slices);
  const startedAtMs = new Map<string, number>();
  const post = async (): Promise<void> => {
    for (let i = 0; i * perSlice < alerts.length; i++) {
      const batch = alerts.slice(i * perSlice, (i + 1) * perSlice);
      await sleepUntil(sinceMs + i * sliceMs);
      const startMs =
        status === 'firing' ? await sender.fire(batch) : await sender.resolve(batch.map((a) => a.monitor));
      for (const a of batch) startedAtMs.set(a.monitor, startMs);
    }
  };
  const ids = new Set(alerts.map((a) => a.monitor));
  const [, deliveredAtMs] = await Promise.all([
    post(),
    awaitDeliveries(inbox, { ids, status, sinceMs, deadlineMs: sinceMs + timeoutMs }),
  ]);
  await sleep(deps.settleMs);
  return halfOf({ startedAtMs, sinceMs, inbox, deliveredAtMs });
}
