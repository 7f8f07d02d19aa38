import { firingAlert } from '../alert.ts';
import type { AlertSink } from './monitor-alerts.ts';
import { PoolReadings } from './pool-readings.ts';
import { isBreached, type PoolRule } from './pool-rule.ts';

/** One reading of a pool, taken by the control plane from the gateway's status and counters. */
export interface PoolSample {
  readonly pool: string;
  readonly healthyShare: number;
  /** Cumulative since the process started (Prometheus counter semantics). */
  readonly requests: number;
  readonly errors: number;
  /** Cumulative latency histogram: upper bound in ms (ascending, last Infinity) → count. */
  readonly latencyBuckets: readonly { readonly leMs: number; readonly count: number }[];
}

/**
 * Evaluates the pool rules on each reading: healthy_share now, error_ratio and p99_latency over the rule's
 * window from the difference of two cumulative readings. A rule fires after its condition held for `for`
 * and resolves on the first reading where it no longer holds.
 */
export class PoolRules {
  readonly #sink: AlertSink;
  #rules: readonly PoolRule[];
  readonly #readings = new PoolReadings();
  /** Per rule: since when its condition holds, and whether it fired. */
  readonly #pending = new Map<string, { sinceMs: number; fingerprint?: string }>();

  constructor(sink: AlertSink, rules: readonly PoolRule[]) {
    this.#sink = sink;
    this.#rules = rules;
  }

  /** A reload: rules that are gone resolve. */
  setRules(rules: readonly PoolRule[], nowMs: number): void {
    const names = new Set(rules.map((r) => r.name));
    for (const [name, state] of this.#pending) {
      if (names.has(name)) continue;
      if (state.fingerprint) this.#sink.resolve(state.fingerprint, nowMs);
      this.#pending.delete(name);
    }
    this.#rules = rules;
  }

  observe(samples: readonly PoolSample[], nowMs: number): void {
    this.#readings.add(samples, nowMs, Math.max(0, ...this.#rules.map((r) => r.windowMs)));
    for (const rule of this.#rules) this.#evaluate(rule, nowMs);
  }

  #evaluate(rule: PoolRule, nowMs: number): void {
    const value = this.#valueOf(rule);
    const state = this.#pending.get(rule.name);
    if (value === undefined) {
      // Too few requests to judge. A firing alert stays firing: an outage that drove the clients away is not
      // over. A pending one starts over, as `for` needs the condition seen throughout.
      if (!state?.fingerprint) this.#pending.delete(rule.name);
      return;
    }
    if (!isBreached(rule.condition, value)) {
      if (state?.fingerprint) this.#sink.resolve(state.fingerprint, nowMs);
      this.#pending.delete(rule.name);
      return;
    }
    const sinceMs = state?.sinceMs ?? nowMs;
    if (nowMs - sinceMs < rule.forMs) {
      this.#pending.set(rule.name, { sinceMs });
      return;
    }
    const labels = {
      ...rule.labels,
      alertname: rule.name,
      pool: rule.pool,
      severity: rule.severity,
      source: 'gateway',
    };
    const summary = `pool ${rule.pool}: ${describe(rule, value)} (rule: ${rule.text})`;
    const alert = firingAlert(labels, { summary }, sinceMs);
    this.#sink.fire(alert);
    this.#pending.set(rule.name, { sinceMs, fingerprint: alert.fingerprint });
  }

  #valueOf(rule: PoolRule): number | undefined {
    if (rule.condition.signal === 'healthy_share') return this.#readings.latest(rule.pool)?.healthyShare;
    const window = this.#readings.window(rule.pool, rule.windowMs);
    if (!window) return undefined;
    return rule.condition.signal === 'error_ratio' ? window.errorRatio : p99Ms(window.sample, window.base);
  }
}

function p99Ms(sample: PoolSample, base: PoolSample): number | undefined {
  const before = new Map(base.latencyBuckets.map((b) => [b.leMs, b.count]));
  const deltas = sample.latencyBuckets.map((b) => ({
    leMs: b.leMs,
    count: b.count - (before.get(b.leMs) ?? 0),
  }));
  const total = deltas.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = 0.99 * total;
  // The bucket's upper bound: a conservative p99 (Prometheus interpolates; a bound never under-reports).
  return deltas.find((b) => b.count >= rank)?.leMs;
}

function describe(rule: PoolRule, value: number | undefined): string {
  if (value === undefined) return rule.condition.signal;
  if (rule.condition.signal === 'p99_latency') return `p99 latency ${Math.round(value)} ms`;
  const percent = `${(value * 100).toFixed(1).replace(/\.0$/, '')}%`;
  return rule.condition.signal === 'healthy_share' ? `${percent} of endpoints healthy` : `${percent} errors`;
}
