import { performance } from 'node:perf_hooks';

/** Time as an injected dependency: production uses the system clock, tests drive a fake one. */
export interface Clock {
  /** Milliseconds on a monotonic scale; only differences are meaningful. */
  nowMs(): number;
  /** Runs `fn` after `delayMs`; returns a function that cancels it. */
  setTimer(delayMs: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  // The module's `performance`, not the global: node defines the global as a getter that stays a getter, a
  // JavaScript call and a global lookup on every read, several times per proxied request.
  nowMs: () => performance.now(),
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
