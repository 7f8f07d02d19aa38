import { firingAlert } from '../alert.ts';
import type { AlertSink } from './monitor-alerts.ts';
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

interface Reading {
  readonly atMs: number;
  readonly byPool: ReadonlyMap<string, PoolSample>;
}

/** Fewer requests than this in a window say nothing about a ratio or a p99 (SRE Workbook: low traffic). */
const minRequestsPerWindow = 10;

/**
 * Evaluates the pool rules on each reading: healthy_share now, error_ratio and p99_latency over the rule's
 * window from the difference of two cumulative readings. A rule fires after its condition held for `for`
 * and resolves on the first reading where it no longer holds.
 */
export class PoolRules {
  readonly #sink: AlertSink;
  #rules: readonly PoolRule[];
  readonly #readings: Reading[] = [];
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
    const reading = { atMs: nowMs, byPool: new Map(samples.map((s) => [s.pool, s])) };
    this.#readings.push(reading);
    const longestMs = Math.max(0, ...this.#rules.map((r) => r.windowMs));
    while (this.#readings.length > 2 && (this.#readings[1]?.atMs ?? nowMs) <= nowMs - longestMs) {
      this.#readings.shift();
    }
    for (const rule of this.#rules) this.#evaluate(rule, reading);
  }

  #evaluate(rule: PoolRule, now: Reading): void {
    const value = this.#valueOf(rule, now);
    const state = this.#pending.get(rule.name);
    if (value === undefined) {
      // Too few requests to judge. A firing alert stays firing: an outage that drove the clients away is not
      // over. A pending one starts over, as `for` needs the condition seen throughout.
      if (!state?.fingerprint) this.#pending.delete(rule.name);
      return;
    }
    if (!isBreached(rule.condition, value)) {
      if (state?.fingerprint) this.#sink.resolve(state.fingerprint, now.atMs);
      this.#pending.delete(rule.name);
      return;
    }
    const sinceMs = state?.sinceMs ?? now.atMs;
    if (now.atMs - sinceMs < rule.forMs) {
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

  #valueOf(rule: PoolRule, now: Reading): number | undefined {
    const sample = now.byPool.get(rule.pool);
    if (!sample) return undefined;
    if (rule.condition.signal === 'healthy_share') return sample.healthyShare;
    // The first reading has nothing to difference against: cumulative totals are not a window.
    const base = this.#baseFor(rule, now.atMs)?.byPool.get(rule.pool);
    if (!base) return undefined;
    // Counters that went backwards (a worker restarted) count from zero, as Prometheus' increase() does.
    const requests = sample.requests >= base.requests ? sample.requests - base.requests : sample.requests;
    if (requests < minRequestsPerWindow) return undefined;
    if (rule.condition.signal === 'error_ratio') {
      const errors = sample.errors >= base.errors ? sample.errors - base.errors : sample.errors;
      return errors / requests;
    }
    return p99Ms(sample, base);
  }

  /** The newest reading at least `windowMs` old, else the oldest there is. */
  #baseFor(rule: PoolRule, nowMs: number): Reading | undefined {
    let base: Reading | undefined;
    for (const reading of this.#readings) {
      if (reading.atMs > nowMs - rule.windowMs) break;
      base = reading;
    }
    return base ?? (this.#readings[0]?.atMs === nowMs ? undefined : this.#readings[0]);
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
