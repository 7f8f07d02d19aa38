/** Time as an injected dependency: production uses the system clock, tests drive a fake one. */
export interface Clock {
  /** Milliseconds on a monotonic scale; only differences are meaningful. */
  nowMs(): number;
  /** Runs `fn` after `delayMs`; returns a function that cancels it. */
  setTimer(delayMs: number, fn: () => void): () => void;
}

// Read once: node defines the global `performance` as a getter that stays a getter, so each read of it was a
// JavaScript call and a global lookup, several times per proxied request (npm run bench:proxy-instructions).
const monotonic = performance;

export const systemClock: Clock = {
  nowMs: () => monotonic.now(),
  setTimer(delayMs, fn) {
    const handle = setTimeout(fn, delayMs);
    // A pending health check or ejection timer must never keep the process alive on shutdown.
    handle.unref?.();
    return () => clearTimeout(handle);
  },
};

/** The system clock on the wall-time scale: for logic whose times are stored or shown (alerts, incidents). */
export const wallClock: Clock = {
  nowMs: () => Date.now(),
  setTimer: (delayMs, fn) => systemClock.setTimer(delayMs, fn),
};
