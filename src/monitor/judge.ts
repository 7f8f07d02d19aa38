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
 * A passing observation that meets any `degraded_when` condition is degraded.
 */
export function judge(monitor: JudgedMonitor, observation: Observation): Judgement {
  if (observation.error !== undefined) return { verdict: 'down', message: observation.error };
  for (const assertion of monitor.assertions) {
    const result = evaluateAssertion(assertion, observation);
    if (!result.ok) return { verdict: 'down', message: result.message };
  }
  if (monitor.assertions.length === 0) {
    const failure = defaultFailureOf(monitor.kind, observation);
    if (failure !== undefined) return { verdict: 'down', message: failure };
  }
  for (const condition of monitor.degradedWhen) {
    const result = evaluateAssertion(condition, observation);
    if (result.ok) return { verdict: 'degraded', message: `degraded: ${condition.text} (${result.message})` };
  }
  return { verdict: 'up', message: 'ok' };
}
