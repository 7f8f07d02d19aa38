import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.ts';
import { cutResponse } from './cut-response.ts';
import type { DrainableStream } from './exchange-deps.ts';

/** What an event stream cut by the drain's deadline ends with (its `event: error` frame). */
const drainedEnd = {
  code: 'GW_DRAINED',
  message: 'the gateway is shutting down or reloading and drain_timeout passed: reconnect',
} as const;

/**
 * How long the error events may take to reach their clients; a client that takes no more bytes must not
 * hold a stop, so what is still open then is cut.
 */
const flushGraceMs = 1_000;

/**
 * Cuts each response the drain's deadline leaves open so that its client sees a failure. A stream ends as
 * when its upstream fails: an event stream with an error event, which must be flushed before the stop closes
 * the listeners, so this resolves once every stream has closed, or after flushGraceMs.
 */
export async function cutAtDrainDeadline(
  responses: readonly ServerResponse[],
  streams: WeakMap<ServerResponse, DrainableStream>,
  clock: Clock,
): Promise<void> {
  const closing: Promise<unknown>[] = [];
  for (const res of responses) {
    // The gateway closes this connection, not the client: requests pipelined behind the answer were never
    // started, and the client sends them again (RFC 9112 §9.3.2), so they are not logged as it leaving (499).
    res.shouldKeepAlive = false;
    const stream = streams.get(res);
    if (stream === undefined) {
      cutResponse(res);
      continue;
    }
    closing.push(once(res, 'close'));
    stream.endForDrain(drainedEnd);
  }
  if (closing.length === 0) return;
  let cancelGrace: (() => void) | undefined;
  const grace = new Promise<void>((resolve) => (cancelGrace = clock.setTimer(flushGraceMs, resolve)));
  await Promise.race([Promise.all(closing), grace]);
  cancelGrace?.();
  for (const res of responses) cutResponse(res);
}
