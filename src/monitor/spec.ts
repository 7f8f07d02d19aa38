import type { Assertion } from '../core/assertion.ts';
import type { CheckSpec } from './checks/registry.ts';

/** A push monitor: something (a cron job, a backup) reports in at least every `expectEveryMs`. */
export interface HeartbeatSpec {
  readonly kind: 'heartbeat';
  readonly expectEveryMs: number;
  readonly graceMs: number;
}

/**
 * What monitoring needs of one monitor, in normalized units. The config schema's output is assignable to
 * it, so app.ts passes the parsed config straight through; monitor/ never imports config/.
 */
export interface MonitorSpec {
  /** Stable across reloads: it keys state and history. */
  readonly id: string;
  readonly name: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly assertions: readonly Assertion[];
  readonly degradedWhen: readonly Assertion[];
  readonly failureThreshold: number;
  readonly successThreshold: number;
  readonly recheck: { readonly attempts: number; readonly delayMs: number };
  readonly check: CheckSpec | HeartbeatSpec;
  /** Labels for this monitor's alerts (component, pool, team, severity). */
  readonly labels?: Readonly<Record<string, string>> | undefined;
}
