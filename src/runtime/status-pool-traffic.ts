import { PoolReadings } from '../alerting/sources/pool-readings.ts';
import type { PoolSample } from '../alerting/sources/pool-rules.ts';
import type { TrafficVerdict } from '../status/component-status.ts';

// A minute: long enough for a ratio over the traffic of a quiet pool, short enough to follow an outage.
const windowMs = 60_000;
// One request in ten failing is an outage for a tenth of the users, not noise a retry hides.
const failingRatio = 0.1;

function verdictOf(errorRatio: number): TrafficVerdict {
  if (errorRatio >= 1) return 'down';
  return errorRatio >= failingRatio ? 'failing' : 'up';
}

/**
 * What each pool's live traffic says of it: the share of its requests answered 5xx over the last minute,
 * from the same readings the pool rules difference. With too few requests the last verdict stands, as a
 * firing pool rule does: clients an outage drove away do not end it.
 */
export class PoolTraffic {
  readonly #readings = new PoolReadings();
  #pools: ReadonlySet<string>;
  readonly #verdicts = new Map<string, TrafficVerdict>();

  constructor(pools: readonly string[]) {
    this.#pools = new Set(pools);
  }

  /** A reload: verdicts of pools no component reads any more are dropped. */
  setPools(pools: readonly string[]): void {
    this.#pools = new Set(pools);
    for (const pool of this.#verdicts.keys()) if (!this.#pools.has(pool)) this.#verdicts.delete(pool);
  }

  /** One reading of the gateway's counters; true when any pool's verdict changed. */
  observe(samples: readonly PoolSample[], nowMs: number): boolean {
    this.#readings.add(samples, nowMs, windowMs);
    let isChanged = false;
    for (const pool of this.#pools) {
      const window = this.#readings.window(pool, windowMs);
      if (!window) continue;
      const verdict = verdictOf(window.errorRatio);
      if (this.#verdicts.get(pool) === verdict) continue;
      this.#verdicts.set(pool, verdict);
      isChanged = true;
    }
    return isChanged;
  }

  /** Undefined before the pool has had enough traffic to judge. */
  verdictOf(pool: string): TrafficVerdict | undefined {
    return this.#verdicts.get(pool);
  }
}
