/**
 * Nagios/Sensu flap detection over the last 21 results: the percent state change, where changes count more
 * the more recent they are (weights rising linearly from 0.8 to 1.2). A monitor starts flapping at or above
 * `highPercent` and stops below `lowPercent`, two thresholds so the verdict itself does not flap.
 */
export class FlapDetector {
  readonly #history: boolean[] = [];
  readonly #highPercent: number;
  readonly #lowPercent: number;
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

  /** Feeds one result (true: passed); returns whether the monitor is flapping now. */
  record(ok: boolean): boolean {
    this.#history.push(ok);
    if (this.#history.length > windowSize) this.#history.shift();
    const percent = this.percentStateChange;
    if (!this.#isFlapping && percent >= this.#highPercent) this.#isFlapping = true;
    else if (this.#isFlapping && percent < this.#lowPercent) this.#isFlapping = false;
    return this.#isFlapping;
  }
}

const windowSize = 21;
const defaultThresholds = { highPercent: 50, lowPercent: 25 };
