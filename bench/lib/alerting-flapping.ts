import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withAlertingRig, type LaunchContext } from './alerting-bulwark.ts';
import { sleepUntil, staggerMs } from './alerting-flap.ts';
import {
  groupOf,
  Hysteresis,
  listenAfterMs,
  scheduleOf,
  type FlappingResult,
  type FlappingScenario,
} from './alerting-flapping-plan.ts';
import { epochNowMs } from './flip-upstream.ts';

/**
 * Issue 6's "quieter than Alertmanager when things flap", sustained: each monitor's upstream goes down and
 * up again and again for minutes (alerting-flapping-plan.ts draws the phases), each monitor alone in its
 * group. The bench counts the webhook notifications during the churn and after it, and what they say.
 */

export async function runFlapping(
  ctx: LaunchContext & { tempDir: string; log: (line: string) => void },
  scenario: FlappingScenario,
): Promise<FlappingResult> {
  const { settings, targets } = scenario;
  const monitors = targets.map((t) => ({ name: t.id.toUpperCase(), path: `/${t.id}`, component: t.id }));
  const dir = join(ctx.tempDir, 'flapping');
  return withAlertingRig(ctx, dir, { monitors, settings }, async ({ upstream, inbox, bulwark }) => {
    ctx.log(`flapping: ${monitors.length} monitors churn, then the bench listens`);
    await sleep((settings.successThreshold + 2) * settings.intervalMs);
    const churnStartMs = epochNowMs();
    const schedules = targets.map((t, i) => scheduleOf(t, churnStartMs + staggerMs(i, settings.intervalMs)));
    const listenUntilMs = Math.max(...schedules.map((s) => s.endMs)) + listenAfterMs(settings);
    const watches = targets.map((t) => watchFlapping(bulwark.adminUrl, t.id, listenUntilMs));
    await Promise.all(
      schedules.map(async (s) => {
        for (const [phase, flipMs] of s.flipsMs.entries()) {
          await sleepUntil(flipMs);
          upstream.setFailing([`/${s.target.id}`], phase % 2 === 0);
        }
      }),
    );
    ctx.log('flapping: churn over, every upstream up; listening for the wind-down');
    const spans = await Promise.all(watches);
    const failedPolls = spans.reduce((sum, span) => sum + span.failedPolls, 0);
    if (failedPolls > 0) ctx.log(`flapping: ${failedPolls} polls of the flapping flag failed`);
    return {
      settings,
      hasFlapDetection: true,
      listenAfterMs: listenAfterMs(settings),
      groups: schedules.map((s, i) => {
        // What the monitor really saw: its checks as the upstream answered them, through the hysteresis.
        const hysteresis = new Hysteresis(settings);
        for (const check of upstream.arrivalsOf(`/${s.target.id}`)) {
          if (check.atMs >= s.startMs) hysteresis.record(check.status !== 200);
        }
        const span = spans[i];
        const isEverFlapping = span?.onMs !== undefined;
        return {
          ...groupOf(s, inbox.received, hysteresis.crossings),
          flappingFromMs: isEverFlapping ? (span.onMs ?? 0) - s.startMs : undefined,
          flappingUntilMs: isEverFlapping ? (span.offMs ?? Number.NaN) - s.endMs : undefined,
        };
      }),
    };
  });
}

/**
 * Polls the monitor's `flapping` flag each second until `untilMs`: when it first rose, and last fell. A
 * failed poll is counted, not thrown: this runs unawaited for minutes beside the churn.
 */
async function watchFlapping(
  adminUrl: string,
  id: string,
  untilMs: number,
): Promise<{ onMs?: number; offMs?: number; failedPolls: number }> {
  const span: { onMs?: number; offMs?: number; failedPolls: number } = { failedPolls: 0 };
  let wasFlapping = false;
  while (epochNowMs() < untilMs) {
    const isFlapping = await fetch(`${adminUrl}/api/v1/monitors/${id}`, {
      signal: AbortSignal.timeout(5_000),
    })
      .then(async (res) => (res.ok ? ((await res.json()) as { flapping: boolean }).flapping : undefined))
      .catch(() => undefined);
    const nowMs = epochNowMs();
    if (isFlapping === undefined) span.failedPolls++;
    else if (isFlapping && !wasFlapping) {
      span.onMs ??= nowMs;
      delete span.offMs;
    } else if (!isFlapping && wasFlapping) span.offMs = nowMs;
    wasFlapping = isFlapping ?? wasFlapping;
    await sleep(1_000);
  }
  return span;
}
