/**
 * Server-sent events, as far as the gateway must follow a forwarded stream to end a broken one honestly
 * (WHATWG HTML, "Interpreting an event stream"). A stream cut inside an event must not look like it ended
 * with that event: the client would take a half-sent event for a whole one (truncated JSON from an LLM
 * token stream), and its lastEventId would name an event it never got whole, so a reconnect with
 * Last-Event-ID would skip it.
 */

/** The type a half-sent event is dispatched under when its stream is cut, so no ordinary handler takes it. */
export const discardedEventType = 'bulwark-discarded';

const lf = 0x0a;
const cr = 0x0d;

/** What the gateway follows of a streamed response, to end a broken one so that it looks broken. */
export interface StreamProgress {
  observe(chunk: Buffer): void;
  /** The bytes that end the stream with `frame`, an error event; undefined when no frame can be added. */
  closingFrame(frame: string): Buffer | undefined;
}

/**
 * A stream the gateway cannot add an error event to (line-delimited JSON, or SSE under a Content-Encoding):
 * it follows nothing, and a broken one is cut. Stateless, so every such response shares it.
 */
export const unframedStream: StreamProgress = {
  observe: () => undefined,
  closingFrame: () => undefined,
};

/** What was forwarded of one event stream: where it stands between events, and the id a client holds. */
export class EventStreamProgress implements StreamProgress {
  /** Bytes of the current line so far; 0 at the start of a line. */
  #lineLength = 0;
  /** The current line while it may still be an `id` line (latin1: byte for byte what the upstream sent). */
  #idLine = '';
  #isIdCandidate = true;
  /** The last byte was CR: an LF now completes a CRLF line ending, not a blank line. */
  #isAfterCr = false;
  /** A line of the current event has ended: a blank line now dispatches it. */
  #isInEvent = false;
  /** The client's "last event ID buffer": the latest `id` field, whether or not its event completed. */
  #idBuffer = '';
  /** The buffer at the last blank line: the lastEventId of a client that received everything whole. */
  #dispatchedId = '';

  /**
   * Follows the bytes of `chunk`, as a client's parser would read them. Byte by byte from the buffer, so that
   * a stream's chunks cost no string each; only a line that may be an `id` is kept as text.
   */
  observe(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      const code = chunk[i]!;
      if (code === lf && this.#isAfterCr) {
        this.#isAfterCr = false;
        continue;
      }
      this.#isAfterCr = code === cr;
      if (code === cr || code === lf) {
        this.#endLine();
        continue;
      }
      this.#lineLength += 1;
      if (!this.#isIdCandidate) continue;
      this.#idLine += String.fromCharCode(code);
      // `id` alone is a field too (empty value); anything else of three bytes or more is not `id:`.
      if (this.#idLine.length === 3 && this.#idLine !== 'id:') this.#isIdCandidate = false;
    }
  }

  /** Nothing of an event is pending: what was forwarded ended with a blank line (or nothing was). */
  get isAtEventBoundary(): boolean {
    return this.#lineLength === 0 && !this.#isInEvent;
  }

  /**
   * The bytes that end the stream with `frame`, a whole `error` event. Cut inside an event, that event is
   * first dispatched under a type of its own: a client's data buffer only empties at a dispatch, so the frame
   * joined to it carried the half-sent data into the error event's, which no longer parsed as JSON. An
   * EventSource hands the discarded event only to listeners of its type, never to `onmessage`.
   */
  closingFrame(frame: string): Buffer {
    const body = Buffer.from(frame);
    if (this.isAtEventBoundary) return body;
    // Ending the half line; a line start needs nothing, and a blank line there would dispatch the event.
    const endOfLine = this.#lineLength > 0 ? '\n' : '';
    // Always: ending the half line may itself complete an `id` field. This puts back the last id of a whole
    // event, byte for byte as the upstream sent it, before the dispatch, so no event carries the cut one's id.
    const discard = `${endOfLine}id: ${this.#dispatchedId}\nevent: ${discardedEventType}\n\n`;
    return Buffer.concat([Buffer.from(discard, 'latin1'), body]);
  }

  #endLine(): void {
    if (this.#lineLength === 0) {
      this.#dispatchedId = this.#idBuffer;
      this.#isInEvent = false;
    } else {
      if (this.#isIdCandidate) this.#applyIdLine(this.#idLine);
      this.#isInEvent = true;
    }
    this.#lineLength = 0;
    this.#idLine = '';
    this.#isIdCandidate = true;
  }

  #applyIdLine(line: string): void {
    if (line !== 'id' && !line.startsWith('id:')) return;
    let value = line.slice(3);
    if (value.startsWith(' ')) value = value.slice(1);
    // The spec ignores an id containing NUL.
    if (!value.includes('\0')) this.#idBuffer = value;
  }
}
