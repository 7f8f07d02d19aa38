import type { Alert } from '../alerting/alert.ts';
import type { PoolRule } from '../alerting/sources/pool-rule.ts';
import { PoolRules, type PoolSample } from '../alerting/sources/pool-rules.ts';
import type { TrafficVerdict } from '../status/component-status.ts';

// A minute: long enough for a ratio over the traffic of a quiet pool, short enough to follow an outage.
const windowMs = 60_000;
// One request in ten failing is an outage for a tenth of the users, not noise a retry hides.
const failingRatio = 0.1;

/** Each verdict as a pool rule's condition on the error ratio; at most one of up and failing holds. */
const conditions = [
  { verdict: 'down', comparison: '>=', threshold: 1, text: 'error_ratio >= 100%' },
  { verdict: 'failing', comparison: '>=', threshold: failingRatio, text: 'error_ratio >= 10%' },
  { verdict: 'up', comparison: '<', threshold: failingRatio, text: 'error_ratio < 10%' },
] as const satisfies readonly {
  verdict: TrafficVerdict;
  comparison: PoolRule['condition']['comparison'];
  threshold: number;
  text: string;
}[];

/**
 * What each pool's live traffic says of it: the share of its requests answered 5xx over the last minute. The
 * pool rules' engine computes it (a window from cumulative counters, at least 10 requests, counters that went
 * back counted from zero), each verdict one rule whose "alert" stands while its condition holds. With too few
 * requests the last verdict stands, as a firing rule does: clients an outage drove away do not end it.
 */
export class PoolTraffic {
  readonly #rules: PoolRules;
  /** Fingerprint → rule name, for resolutions; the rules whose condition holds. */
  readonly #ruleOf = new Map<string, string>();
  readonly #holding = new Set<string>();

  constructor(pools: readonly string[]) {
    const sink = {
      fire: (alert: Alert) => {
        const name = alert.labels['alertname'] ?? '';
        this.#ruleOf.set(alert.fingerprint, name);
        this.#holding.add(name);
      },
      resolve: (fingerprint: string) => {
        this.#holding.delete(this.#ruleOf.get(fingerprint) ?? '');
        this.#ruleOf.delete(fingerprint);
      },
    };
    this.#rules = new PoolRules(sink, this.#rulesFor(pools));
  }

  /** A reload: verdicts of pools no component reads any more are dropped. */
  setPools(pools: readonly string[], nowMs: number): void {
    this.#rules.setRules(this.#rulesFor(pools), nowMs);
  }

  /** One reading of the gateway's counters; true when any pool's verdict changed. */
  observe(samples: readonly PoolSample[], nowMs: number): boolean {
    const before = [...this.#holding].sort().join();
    this.#rules.observe(samples, nowMs);
    return [...this.#holding].sort().join() !== before;
  }

  /** The worst verdict whose condition holds; undefined before the pool has had enough traffic to judge. */
  verdictOf(pool: string): TrafficVerdict | undefined {
    for (const { verdict } of conditions) if (this.#holding.has(ruleName(pool, verdict))) return verdict;
    return undefined;
  }

  #rulesFor(pools: readonly string[]): PoolRule[] {
    return [...new Set(pools)].flatMap((pool) =>
      conditions.map(({ verdict, comparison, threshold, text }) => ({
        name: ruleName(pool, verdict),
        pool,
        condition: { signal: 'error_ratio', comparison, threshold },
        forMs: 0,
        windowMs,
        severity: 'none',
        labels: {},
        text,
      })),
    );
  }
}

const ruleName = (pool: string, verdict: TrafficVerdict): string => `status-page:${pool}:${verdict}`;
