import type { Attempt, AttemptOwner } from './attempt.ts';

/**
 * An upstream answer with a status the route retries on, kept with its attempt paused while the retry
 * waits out its backoff. Whether the retry can go out (an endpoint to take it) is only known then; when it
 * cannot, this is what the client gets, unchanged, as Envoy forwards the last response it cannot retry.
 * Meanwhile it stands in for the attempt's owner, so the exchange's callbacks need no check for it.
 */
export class HeldResponse implements AttemptOwner {
  /** It keeps the answer's head (status, headers, reason phrase). */
  readonly attempt: Attempt;
  /** Body bytes that arrived while held; usually none, as a paused attempt stops undici reading. */
  readonly #chunks: Buffer[] = [];
  /** A response without a body (to HEAD) ends while held. */
  isEnded = false;
  /** The upstream broke the answer while it was held: there is nothing left to forward. */
  isBroken = false;

  /** Pauses `attempt`, which has just reported the response start, and takes its callbacks from now on. */
  constructor(attempt: Attempt) {
    this.attempt = attempt;
    attempt.pause();
    attempt.relayTo(this);
  }

  /** Gives the attempt back to `owner` and hands it what arrived meanwhile, as if it came now. */
  replayTo(owner: AttemptOwner): void {
    this.attempt.relayTo(owner);
    for (const chunk of this.#chunks) owner.onResponseData(this.attempt, chunk);
    if (this.isEnded) owner.onResponseEnd(this.attempt);
  }

  onResponseData(_attempt: Attempt, chunk: Buffer): void {
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.isEnded = true;
  }

  onAttemptError(): void {
    this.isBroken = true;
  }

  // The response has started and the request went out: the rest of an owner's duties cannot arise.
  onResponseStart(): void {}
  onInterimResponse(): void {}
  trackSocketReuse(): void {}
  onRequestSent(): void {}
  onAttemptDeadline(): void {}
}
