import type { PoolSample } from './pool-rules.ts';

interface Reading {
  readonly atMs: number;
  readonly byPool: ReadonlyMap<string, PoolSample>;
}

/** Fewer requests than this in a window say nothing about a ratio or a p99 (SRE Workbook: low traffic). */
const minRequestsPerWindow = 10;

/** What a pool's cumulative counters say over a window: the readings at its ends and the requests between. */
export interface PoolWindow {
  readonly sample: PoolSample;
  readonly base: PoolSample;
  readonly requests: number;
  readonly errorRatio: number;
}

/**
 * The gateway's cumulative pool readings, kept as long as the longest window needs: what changed over a
 * window is the difference of two readings. The pool rules and the status page's traffic verdicts share it.
 */
export class PoolReadings {
  readonly #readings: Reading[] = [];

  /** Adds a reading and forgets those older than `keepMs` needs (always keeping one to difference against). */
  add(samples: readonly PoolSample[], nowMs: number, keepMs: number): void {
    this.#readings.push({ atMs: nowMs, byPool: new Map(samples.map((s) => [s.pool, s])) });
    while (this.#readings.length > 2 && (this.#readings[1]?.atMs ?? nowMs) <= nowMs - keepMs) {
      this.#readings.shift();
    }
  }

  /** The newest reading's sample of `pool`. */
  latest(pool: string): PoolSample | undefined {
    return this.#readings.at(-1)?.byPool.get(pool);
  }

  /** `pool` over the last `windowMs`; undefined with nothing to difference against or too few requests. */
  window(pool: string, windowMs: number): PoolWindow | undefined {
    const now = this.#readings.at(-1);
    const sample = now?.byPool.get(pool);
    if (!now || !sample) return undefined;
    // The first reading has nothing to difference against: cumulative totals are not a window.
    const base = this.#baseFor(windowMs, now.atMs)?.byPool.get(pool);
    if (!base) return undefined;
    // Counters that went backwards (a worker restarted) count from zero, as Prometheus' increase() does.
    const requests = sample.requests >= base.requests ? sample.requests - base.requests : sample.requests;
    if (requests < minRequestsPerWindow) return undefined;
    const errors = sample.errors >= base.errors ? sample.errors - base.errors : sample.errors;
    return { sample, base, requests, errorRatio: errors / requests };
  }

  /** The newest reading at least `windowMs` old, else the oldest there is. */
  #baseFor(windowMs: number, nowMs: number): Reading | undefined {
    let base: Reading | undefined;
    for (const reading of this.#readings) {
      if (reading.atMs > nowMs - windowMs) break;
      base = reading;
    }
    return base ?? (this.#readings[0]?.atMs === nowMs ? undefined : this.#readings[0]);
  }
}
