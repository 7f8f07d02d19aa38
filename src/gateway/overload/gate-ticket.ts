import type { ConcurrencyGate } from './concurrency-gate.ts';

/** A request's hold on one slot of the gate, from admission until `release`. */
export class GateTicket {
  readonly admittedMs: number;
  readonly #gate: ConcurrencyGate;
  #isReleased = false;
  /** Admitted, and not at an endpoint yet (a body still arriving): a place the endpoints' room must keep. */
  #isPending = true;

  constructor(gate: ConcurrencyGate, admittedMs: number) {
    this.#gate = gate;
    this.admittedMs = admittedMs;
  }

  /**
   * The upstream answered: a latency sample for an adaptive limit, unless it was an overload answer. A stream
   * (SSE, NDJSON) gives an adaptive slot back here, where its sample is taken: held to the stream's end, the
   * slot would count time the sample never saw, and with the limit pinned low for a min-RTT measurement the
   * samples would come at one per stream length (the pool sat at min_limit, refusing most requests). A
   * fixed limit keeps counting it to its end.
   */
  responded(status: number, nowMs: number, isStream = false): void {
    if (this.#isReleased) return;
    if (status < 500 && status !== 429) this.#gate.sample(nowMs - this.admittedMs, nowMs);
    if (isStream && this.#gate.isAdaptive) this.release();
  }

  /** The request's first attempt took an endpoint: from now on the endpoint's in-flight count holds it. */
  dispatched(): void {
    if (!this.#isPending || this.#isReleased) return;
    this.#isPending = false;
    this.#gate.dispatched();
  }

  /** Idempotent: the response's 'close' and an early refusal may both call it. */
  readonly release = (): void => {
    if (this.#isReleased) return;
    this.#isReleased = true;
    this.#gate.leave(this.#isPending);
  };
}

/** A queued request's handle: `cancel` when its client leaves before it is admitted. */
export class QueuedEntry {
  readonly cancel: () => void;

  constructor(cancel: () => void) {
    this.cancel = cancel;
  }
}
