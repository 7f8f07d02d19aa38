import { evaluateAssertion, type Assertion } from '../core/assertion.ts';
import type { Observation } from '../core/observation.ts';
import { defaultFailureOf } from './checks/registry.ts';
import type { CycleVerdict } from './monitor-state.ts';

export interface Judgement {
  readonly verdict: CycleVerdict;
  /** Why: the first failed assertion, the transport error, or the degraded condition that matched. */
  readonly message: string;
}

export interface JudgedMonitor {
  readonly kind: string;
  readonly assertions: readonly Assertion[];
  readonly degradedWhen: readonly Assertion[];
}

/**
 * One observation against a monitor's assertions. Without assertions each kind has the obvious rule (an
 * HTTP answer below 400, a connection, a non-empty DNS answer), each check's own `defaultFailure`.
 * A transport error is down, unless an assertion on `connected` says whether connecting should work: then
 * the assertions decide (Uptime Kuma's upside-down mode: `connected == false` is up while nothing listens).
 * A passing observation that meets any `degraded_when` condition is degraded.
 */
export function judge(monitor: JudgedMonitor, observation: Observation): Judgement {
  const { error } = observation;
  const isErrorJudged = monitor.assertions.some((assertion) => assertion.fact === 'connected');
  if (error !== undefined && !isErrorJudged) return { verdict: 'down', message: error };
  for (const assertion of monitor.assertions) {
    const result = evaluateAssertion(assertion, observation);
    // A fact the check never saw already names the error ("got nothing (connect ECONNREFUSED …)").
    const cause = error === undefined || result.message.includes(error) ? '' : ` (${error})`;
    if (!result.ok) return { verdict: 'down', message: `${result.message}${cause}` };
  }
  if (monitor.assertions.length === 0) {
    const failure = defaultFailureOf(monitor.kind, observation);
    if (failure !== undefined) return { verdict: 'down', message: failure };
  }
  for (const condition of monitor.degradedWhen) {
    const result = evaluateAssertion(condition, observation);
    // A holding condition's message is already `response_time > 1000ms (got 1502ms)`.
    if (result.ok) return { verdict: 'degraded', message: `degraded: ${result.message}` };
  }
  return { verdict: 'up', message: 'ok' };
}
