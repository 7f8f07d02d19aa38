import { parseDurationMs, parsePercent } from '../../core/units.ts';
import type { Labels } from '../alert.ts';

/** What a pool rule watches: the share of healthy endpoints, the error ratio, or the p99 latency. */
export type PoolSignal = 'healthy_share' | 'error_ratio' | 'p99_latency';
export type Comparison = '<' | '<=' | '>' | '>=';

export interface PoolCondition {
  readonly signal: PoolSignal;
  readonly comparison: Comparison;
  /** A fraction for shares and ratios, ms for latency. */
  readonly threshold: number;
}

export interface PoolRule {
  readonly name: string;
  readonly pool: string;
  readonly condition: PoolCondition;
  /** How long the condition must hold before the alert fires (Prometheus `for`). */
  readonly forMs: number;
  /** The span error_ratio and p99_latency are computed over. */
  readonly windowMs: number;
  readonly severity: string;
  readonly labels: Labels;
  /** The condition as written, for summaries. */
  readonly text: string;
}

const conditionPattern = /^\s*(healthy_share|error_ratio|p99_latency)\s*(<=|>=|<|>)\s*(\S+)\s*$/;

/** `healthy_share < 50%`, `error_ratio > 5%`, `p99_latency > 800ms`. */
export function parsePoolCondition(text: string): PoolCondition | { error: string } {
  const match = conditionPattern.exec(text);
  if (!match) {
    return {
      error:
        'expected SIGNAL OP VALUE with SIGNAL one of healthy_share, error_ratio, p99_latency ' +
        '(e.g. "healthy_share < 50%", "error_ratio > 5%", "p99_latency > 800ms")',
    };
  }
  const [, signal = '', comparison = '', value = ''] = match;
  const threshold = signal === 'p99_latency' ? parseDurationMs(value) : parsePercent(value);
  if (threshold === undefined) {
    return {
      error: signal === 'p99_latency' ? 'expected a duration like 800ms' : 'expected a percentage like 5%',
    };
  }
  return { signal: signal as PoolSignal, comparison: comparison as Comparison, threshold };
}

export function isBreached(condition: PoolCondition, value: number): boolean {
  switch (condition.comparison) {
    case '<':
      return value < condition.threshold;
    case '<=':
      return value <= condition.threshold;
    case '>':
      return value > condition.threshold;
    case '>=':
      return value >= condition.threshold;
  }
}
