import type { Config } from '../config/index.ts';

/** What `GET /api/v1/config/status` reports. */
export interface ConfigStatus {
  readonly file: string | undefined;
  /** How many configs have been live in this process, the first included. */
  readonly generation: number;
  readonly loadedAt: string;
  readonly lastReload?:
    { readonly at: string; readonly ok: boolean; readonly error?: string | undefined } | undefined;
}

export type ReloadOutcome =
  { readonly ok: true; readonly generation: number } | { readonly ok: false; readonly error: string };

const skipped: ReloadOutcome = { ok: false, error: 'skipped: the process is stopping' };

export interface ReloadSteps {
  readonly load: () => Promise<Config>;
  /** Builds and switches to the new graph; throws, leaving the old one live, when that is impossible. */
  readonly apply: (config: Config) => Promise<void>;
  readonly onFailure: (error: unknown) => void;
}

/**
 * Runs reloads one at a time (a burst of SIGHUPs and file events must not build graphs in parallel) and
 * remembers the outcome. A failed reload changes nothing: the running config stays. Once closed (the
 * process is stopping) reloads still queued are skipped, so none builds a graph after the stop.
 */
export class Reloader {
  readonly #steps: ReloadSteps;
  readonly #file: string | undefined;
  #status: ConfigStatus;
  #queue: Promise<unknown> = Promise.resolve();
  #isClosed = false;

  constructor(file: string | undefined, steps: ReloadSteps) {
    this.#file = file;
    this.#steps = steps;
    this.#status = { file, generation: 1, loadedAt: new Date().toISOString() };
  }

  get status(): ConfigStatus {
    return this.#status;
  }

  reload(): Promise<ReloadOutcome> {
    const run = this.#queue.then(() => (this.#isClosed ? skipped : this.#reloadOnce()));
    this.#queue = run;
    return run;
  }

  /** Skips every reload not yet begun; resolves when the one under way, if any, has finished. */
  async close(): Promise<void> {
    this.#isClosed = true;
    await this.#queue;
  }

  async #reloadOnce(): Promise<ReloadOutcome> {
    const at = new Date().toISOString();
    if (this.#file === undefined) return this.#fail(at, new Error('this config was not loaded from a file'));
    try {
      await this.#steps.apply(await this.#steps.load());
    } catch (error) {
      return this.#fail(at, error);
    }
    const generation = this.#status.generation + 1;
    this.#status = { file: this.#file, generation, loadedAt: at, lastReload: { at, ok: true } };
    return { ok: true, generation };
  }

  #fail(at: string, error: unknown): ReloadOutcome {
    this.#steps.onFailure(error);
    const message = error instanceof Error ? error.message : String(error);
    this.#status = { ...this.#status, lastReload: { at, ok: false, error: message } };
    return { ok: false, error: message };
  }
}
