/** Server-sent events framing, as far as the gateway must understand it to end a broken stream cleanly. */

// "\n\n" as the last bytes: nothing written yet, or a complete event.
export const eventBoundary = 0x0a0a;

/** Folds the last bytes of `chunk` into the running four-byte tail of what was forwarded. */
export function sseTail(tail: number, chunk: Buffer): number {
  let next = tail;
  for (let i = Math.max(0, chunk.length - 4); i < chunk.length; i++) next = ((next << 8) | chunk[i]!) >>> 0;
  return next;
}

/** An SSE event ends with a blank line: LF LF, or CR LF CR LF. */
export function isEventBoundary(tail: number): boolean {
  return (tail & 0xffff) === eventBoundary || tail === 0x0d0a0d0a || (tail & 0xffff) === 0x0d0d;
}
