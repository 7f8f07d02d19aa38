/** A stored result as the detector replays it: passed or not, when, and the monitor's state after it. */
export interface PastResult {
  readonly ok: boolean;
  readonly atMs: number;
  readonly state: string;
}

/**
 * Two ways to see a monitor flap, because one window cannot see both speeds:
 * - Nagios/Sensu's percent state change over the last 21 results, where changes count more the more recent
 *   they are (weights rising linearly from 0.8 to 1.2): on at `highPercent`, off below `lowPercent`. It
 *   catches a result that changes every check or two, and nothing slower.
 * - Outages in wall time: the monitor's state went between down and up 6 times (three outages) within 10
 *   minutes. It catches the service that fails for 20 s every 40 s, which alone would send an alert and its
 *   resolution for every outage, all day.
 * Flapping ends when the percent is below `lowPercent` and the state has not changed for 2 minutes, so a
 * pause in the churn does not end it, and the verdict itself does not flap.
 */
export class FlapDetector {
  /**
   * The detector as it stood after `results` (oldest first), which a restart lost: the percent and the outages
   * are replayed from them, and the flag is the stored one. The flag is not replayed: it stays on until the
   * percent falls below lowPercent, which may be longer ago than any bounded read reaches. Without a stored
   * flag (a row saved by an older version), the replay's verdict.
   */
  static replayed(results: readonly PastResult[], isFlapping: boolean | undefined): FlapDetector {
    const detector = new FlapDetector();
    let previous: string | undefined;
    for (const result of results) {
      if (previous !== undefined && isOutageEdge(previous, result.state)) detector.outageEdge(result.atMs);
      detector.record(result.ok, result.atMs);
      previous = result.state;
    }
    if (isFlapping !== undefined) detector.#isFlapping = isFlapping;
    return detector;
  }

  readonly #history: boolean[] = [];
  readonly #highPercent: number;
  readonly #lowPercent: number;
  /** When the state last went between down and up, oldest first, within the last churnWindowMs. */
  readonly #outageEdgesMs: number[] = [];
  #isFlapping = false;

  constructor(thresholds: { readonly highPercent: number; readonly lowPercent: number } = defaultThresholds) {
    this.#highPercent = thresholds.highPercent;
    this.#lowPercent = thresholds.lowPercent;
  }

  get isFlapping(): boolean {
    return this.#isFlapping;
  }

  /** 0–100: how much the recent results changed state, recent changes weighted up. */
  get percentStateChange(): number {
    const history = this.#history;
    if (history.length < 2) return 0;
    let weighted = 0;
    // 20 possible changes between 21 results; weight 0.8 for the oldest change up to 1.2 for the newest.
    for (let i = 1; i < history.length; i++) {
      if (history[i] === history[i - 1]) continue;
      weighted += 0.8 + (0.4 * (i - 1)) / (windowSize - 2);
    }
    return (weighted / (windowSize - 1)) * 100;
  }

  /** The monitor's state went from down to up or degraded, or back, at `nowMs`. */
  outageEdge(nowMs: number): void {
    const edges = this.#outageEdgesMs;
    edges.push(nowMs);
    while (edges.length > 0 && (edges[0] ?? nowMs) <= nowMs - churnWindowMs) edges.shift();
    if (edges.length >= churnEdges) this.#isFlapping = true;
  }

  /** Feeds one result (true: passed) at `nowMs`; returns whether the monitor is flapping now. */
  record(ok: boolean, nowMs = 0): boolean {
    this.#history.push(ok);
    if (this.#history.length > windowSize) this.#history.shift();
    const percent = this.percentStateChange;
    const lastEdgeMs = this.#outageEdgesMs.at(-1);
    const isSettled = lastEdgeMs === undefined || nowMs - lastEdgeMs >= settleMs;
    if (!this.#isFlapping && percent >= this.#highPercent) this.#isFlapping = true;
    else if (this.#isFlapping && percent < this.#lowPercent && isSettled) this.#isFlapping = false;
    return this.#isFlapping;
  }
}

/** Into or out of an outage: down from up or degraded, or back. */
export function isOutageEdge(from: string, to: string): boolean {
  const isServing = (state: string) => state === 'up' || state === 'degraded';
  return (from === 'down' && isServing(to)) || (to === 'down' && isServing(from));
}

const windowSize = 21;
const defaultThresholds = { highPercent: 50, lowPercent: 25 };
// Three outages in ten minutes is flapping at any check interval of 30 s or less (an outage then takes at
// least failure_threshold + success_threshold checks); slower monitors rely on the percent alone.
const churnEdges = 6;
const churnWindowMs = 10 * 60_000;
const settleMs = 2 * 60_000;

/**
 * The results `replayed` needs to stand where the detector stood: the last `resultCount` (its percent), and
 * those of the last `windowMs` with the one before them (its outages; older ones it has forgotten or settled).
 */
export const flapMemory = { resultCount: windowSize, windowMs: churnWindowMs } as const;
