export interface RestartBackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** A worker that stayed up this long was healthy: its next crash starts from initialMs again. */
  readonly stableAfterMs: number;
}

// systemd-style crash-loop damping: quick first restart, doubling up to a ceiling.
export const defaultRestartBackoff: RestartBackoffPolicy = {
  initialMs: 100,
  maxMs: 10_000,
  stableAfterMs: 30_000,
};

/** How long to wait before replacing a worker of one slot, from how long the last one lived. */
export class RestartBackoff {
  readonly #policy: RestartBackoffPolicy;
  #consecutiveCrashes = 0;

  constructor(policy: RestartBackoffPolicy = defaultRestartBackoff) {
    this.#policy = policy;
  }

  delayAfterExitMs(uptimeMs: number): number {
    if (uptimeMs >= this.#policy.stableAfterMs) this.#consecutiveCrashes = 0;
    const { initialMs, maxMs } = this.#policy;
    const delayMs = Math.min(maxMs, initialMs * 2 ** this.#consecutiveCrashes);
    this.#consecutiveCrashes++;
    return delayMs;
  }
}
