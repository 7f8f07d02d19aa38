import type { z } from 'zod';
import type { Observation } from '../../core/index.ts';

export interface CheckContext {
  readonly signal: AbortSignal;
  /** The whole run's budget, connect to last byte read, in ms. */
  readonly timeoutMs: number;
  /** What the assertions need, so the check can skip work: a body nobody reads is not kept. */
  readonly needs: { readonly body: boolean };
}

/**
 * One kind of synthetic check. `run` never rejects for a failure of the target (refused, reset, timeout, DNS,
 * TLS): it resolves an Observation with `error` set, and it leaves no socket open behind it.
 */
export interface Check<S extends { readonly kind: string }, C = never> {
  readonly kind: S['kind'];
  /**
   * The monitor entry's own keys (`url`, `method` …) as zod fields, beside the keys every monitor has; its
   * `type:` is the kind. config/monitors.ts builds each kind's schema from them.
   */
  readonly configFields: z.ZodRawShape;
  /** The spec to run from those keys, validated and defaulted. */
  specOf(config: C): S;
  run(spec: S, context: CheckContext): Promise<Observation>;
  /** Why an observation fails when the monitor has no assertions; undefined when it passes. */
  defaultFailure(observation: Observation): string | undefined;
}
