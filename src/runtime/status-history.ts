import type { Clock } from '../core/clock.ts';
import type { MonitorHistory } from '../status/build-view.ts';
import { repeatEvery } from './repeat.ts';

// Monitors report their first results in the seconds after a start or a reload, and those reach the store
// within a second (the results' batch writer). Until each of the page's monitors shows observed time, the
// history is read this often rather than once a minute, so the page does not say "No data" for a minute.
const warmUpEveryMs = 2_000;
// A monitor that never reports (a heartbeat nobody sends, a paused one) stops the warm-up here.
const warmUpForMs = 60_000;

export interface StatusHistoryOptions {
  readonly clock: Clock;
  /** The monitors the page's components read, now. */
  readonly monitorIds: () => readonly string[];
  readonly read: (ids: readonly string[]) => Promise<ReadonlyMap<string, MonitorHistory>>;
  /** After each warm-up read: the page is rebuilt from it. */
  readonly onRead: () => void;
  readonly onError: (error: unknown) => void;
}

/** The page's monitors' daily history, read by the host every minute and, after a start, more often at first. */
export class StatusHistory {
  readonly #options: StatusHistoryOptions;
  #history: ReadonlyMap<string, MonitorHistory> = new Map();
  #stopWarmUp: (() => void) | undefined;

  constructor(options: StatusHistoryOptions) {
    this.#options = options;
  }

  of(monitorId: string): MonitorHistory | undefined {
    return this.#history.get(monitorId);
  }

  async refresh(): Promise<void> {
    this.#history = new Map(await this.#options.read(this.#options.monitorIds()));
  }

  /** Reads every 2 s while a monitor of the page shows no observed time, for a minute at most. */
  warmUp(): void {
    if (this.#stopWarmUp || this.#isObserved()) return;
    const { clock } = this.#options;
    const untilMs = clock.nowMs() + warmUpForMs;
    const stop = repeatEvery(
      clock,
      warmUpEveryMs,
      async () => {
        await this.refresh();
        this.#options.onRead();
        if (this.#isObserved() || clock.nowMs() >= untilMs) this.stop();
      },
      this.#options.onError,
    );
    this.#stopWarmUp = stop;
  }

  stop(): void {
    this.#stopWarmUp?.();
    this.#stopWarmUp = undefined;
  }

  /** Every monitor of the page has some time observed (counted or not) in its history. */
  #isObserved(): boolean {
    return this.#options
      .monitorIds()
      .every((id) =>
        this.#history.get(id)?.days.some((d) => d.upMs + d.degradedMs + d.downMs + d.excludedMs > 0),
      );
  }
}
