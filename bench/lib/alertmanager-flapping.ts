import { join } from 'node:path';
import type { AlertingSettings } from './alerting-bulwark.ts';
import { sleepUntil, staggerMs } from './alerting-flap.ts';
import {
  groupOf,
  Hysteresis,
  isDownAt,
  listenAfterMs,
  scheduleOf,
  type ChurnSchedule,
  type FlappingResult,
  type FlappingScenario,
} from './alerting-flapping-plan.ts';
import { startWebhookInbox } from './webhook-inbox.ts';
import { startAlertmanager, type PeerContext } from './alertmanager-process.ts';
import { PrometheusSender } from './alertmanager-sender.ts';
import { epochNowMs } from './flip-upstream.ts';

/**
 * The flapping scenario against a real Alertmanager. The bench plays Prometheus with a blackbox probe of
 * each churning service: scrape and rule evaluation every `interval`, at a random phase against the churn,
 * reading the same phases as Bulwark's upstream. The rule mirrors Bulwark's hysteresis:
 * `for: (failure_threshold − 1) × interval` fires at the failure_threshold-th failing evaluation, and
 * `keep_firing_for: (success_threshold − 1) × interval` resolves at the success_threshold-th passing one.
 */

export async function runAlertmanagerFlapping(
  ctx: PeerContext,
  scenario: FlappingScenario,
): Promise<FlappingResult> {
  const { settings, targets } = scenario;
  const inbox = await startWebhookInbox();
  try {
    const am = await startAlertmanager(ctx, {
      binary: ctx.binary,
      dir: join(ctx.tempDir, 'am-flapping'),
      hookUrl: inbox.url,
      timers: settings,
    });
    const sender = new PrometheusSender(am.url, { evalIntervalMs: settings.intervalMs });
    try {
      ctx.log(`alertmanager flapping: ${targets.length} alerts churn, then the bench listens`);
      const churnStartMs = epochNowMs();
      const schedules = targets.map((t, i) =>
        scheduleOf(t, churnStartMs + staggerMs(i, settings.intervalMs)),
      );
      const outages = await Promise.all(schedules.map((s) => evaluate(s, { settings, sender })));
      if (sender.resendFailures.length > 0)
        ctx.log(`alertmanager flapping: ${sender.resendFailures.length} re-sends failed`);
      return {
        settings,
        hasFlapDetection: false,
        listenAfterMs: listenAfterMs(settings),
        groups: schedules.map((s, i) => groupOf(s, inbox.received, outages[i] ?? Number.NaN)),
      };
    } finally {
      await sender.stop();
      await ctx.children.kill(am.process);
    }
  } finally {
    await inbox.close();
  }
}

/**
 * One alert's rule evaluations from the churn's start until the bench stops listening; returns how many
 * times it fired. Evaluations are due on a fixed grid, so a slow POST does not shift their phase.
 */
async function evaluate(
  schedule: ChurnSchedule,
  deps: { settings: AlertingSettings; sender: PrometheusSender },
): Promise<number> {
  const { settings, sender } = deps;
  const id = schedule.target.id;
  const untilMs = schedule.endMs + listenAfterMs(settings);
  const hysteresis = new Hysteresis(settings);
  const phaseMs = schedule.startMs - Math.random() * settings.intervalMs;
  for (let k = 1; phaseMs + k * settings.intervalMs < untilMs; k++) {
    const dueMs = phaseMs + k * settings.intervalMs;
    await sleepUntil(dueMs);
    const change = hysteresis.record(isDownAt(schedule, dueMs));
    if (change === 'down') await sender.fire([{ monitor: id, component: id }]);
    else if (change === 'up') await sender.resolve([id]);
  }
  return hysteresis.crossings;
}
