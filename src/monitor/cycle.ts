import { factsNeeded } from '../core/assertion.ts';
import type { Clock } from '../core/clock.ts';
import type { Observation } from '../core/observation.ts';
import type { CheckContext } from './checks/check.ts';
import type { CheckSpec } from './checks/registry.ts';
import { judge, type Judgement } from './judge.ts';
import type { MonitorSpec } from './spec.ts';

export interface CycleDeps {
  readonly clock: Clock;
  readonly runCheck: (spec: CheckSpec, context: CheckContext) => Promise<Observation>;
}

export interface CycleOutcome extends Judgement {
  readonly observation: Observation;
  /** Runs it took: 1, or more when a failure was rechecked. */
  readonly runs: number;
}

/**
 * One cycle of a pull monitor: run the check, judge it, and when it fails, recheck after a short delay
 * before the cycle counts as failed (a quick confirmation against one lost packet). Every run is bounded by
 * the monitor's timeout.
 */
export async function runCycle(
  monitor: MonitorSpec & { readonly check: CheckSpec },
  deps: CycleDeps,
): Promise<CycleOutcome> {
  const needs = { body: factsNeeded([...monitor.assertions, ...monitor.degradedWhen]).body };
  for (let run = 1; ; run++) {
    // The check bounds itself by timeoutMs with a timer it clears; AbortSignal.timeout could not be
    // cleared and made an error object for every run, 5% of the CPU at 10,000 monitors.
    const observation = await deps.runCheck(monitor.check, {
      signal: neverAborted,
      timeoutMs: monitor.timeoutMs,
      needs,
    });
    const judgement = judge({ kind: monitor.check.kind, ...monitor }, observation);
    if (judgement.verdict !== 'down' || run > monitor.recheck.attempts)
      return { ...judgement, observation, runs: run };
    await delay(deps.clock, monitor.recheck.delayMs);
  }
}

const neverAborted = new AbortController().signal;

function delay(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(ms, resolve));
}
