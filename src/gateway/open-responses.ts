import type { ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.ts';
import { cutAtDrainDeadline } from './drain-cut.ts';
import type { ExchangeDeps } from './exchange-deps.ts';
import { SlotSet } from './slot-set.ts';

/**
 * The responses of one gateway snapshot not yet closed, so a drain knows what to wait for, can ask each to
 * close its connection, and cuts what is left at its deadline.
 */
export class OpenResponses {
  readonly #clock: Clock;
  readonly #open = new SlotSet<ServerResponse>();
  /** Responses the drain cut at its deadline, so their close is not taken for the client leaving. */
  readonly #cutOff = new WeakSet<ServerResponse>();
  /** Responses forwarding a stream, which the drain's deadline ends through their exchange. */
  readonly streams: ExchangeDeps['streams'] = new WeakMap();
  #isDraining = false;
  #onIdle: (() => void) | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get size(): number {
    return this.#open.size;
  }

  get isDraining(): boolean {
    return this.#isDraining;
  }

  readonly wasCutOff = (res: ServerResponse): boolean => this.#cutOff.has(res);

  track(res: ServerResponse): void {
    if (this.#isDraining) res.shouldKeepAlive = false;
    const slot = this.#open.add(res);
    // `on`, not `once`: a response closes once, and `once` wraps every listener in another function.
    res.on('close', () => {
      this.#open.remove(slot);
      if (this.#open.size === 0) this.#onIdle?.();
    });
  }

  /**
   * Stops keep-alive on every response not yet started, so clients reconnect elsewhere, and resolves when
   * every open response has closed (and `alsoWaitFor` has settled) or `timeoutMs` has passed.
   */
  async settle(timeoutMs: number, alsoWaitFor: Promise<void> | undefined): Promise<void> {
    this.#isDraining = true;
    this.#open.forEach((res) => {
      if (!res.headersSent) res.shouldKeepAlive = false;
    });
    const idle =
      this.#open.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#onIdle = resolve));
    let cancelDeadline: (() => void) | undefined;
    const deadline = new Promise<void>(
      (resolve) => (cancelDeadline = this.#clock.setTimer(timeoutMs, resolve)),
    );
    await Promise.race([alsoWaitFor ? Promise.all([idle, alsoWaitFor]) : idle, deadline]);
    cancelDeadline?.();
  }

  /** Cuts every response still open (see cutAtDrainDeadline); returns how many there were. */
  async cutOpen(): Promise<number> {
    const open: ServerResponse[] = [];
    this.#open.forEach((res) => {
      this.#cutOff.add(res);
      open.push(res);
    });
    await cutAtDrainDeadline(open, this.streams, this.#clock);
    return open.length;
  }
}
