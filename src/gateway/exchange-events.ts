import { channel } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { ErrorCode } from '../core/errors.ts';
import { channelNames, type AttemptEvent, type RequestEvent, type RetryEvent } from '../core/events.ts';
import type { Outcome } from '../core/outcome.ts';
import type { Attempt } from './attempt.ts';
import type { FailureCause } from './layers/retry.ts';

// Events are built only when someone listens: a channel without subscribers costs one property read.
const requestChannel = channel(channelNames.request);
const attemptChannel = channel(channelNames.attempt);
const retryChannel = channel(channelNames.retry);

export function publishAttempt(requestId: string, attempt: Attempt, outcome: Outcome): void {
  if (!attemptChannel.hasSubscribers) return;
  const event: AttemptEvent = { requestId, pool: attempt.poolName, endpoint: attempt.endpoint.id, outcome };
  attemptChannel.publish(event);
}

export function publishRetry(
  requestId: string,
  route: number,
  attempt: Attempt,
  cause: FailureCause,
  decision: RetryEvent['decision'],
): void {
  if (!retryChannel.hasSubscribers) return;
  const event: RetryEvent = { requestId, route, pool: attempt.poolName, cause: String(cause), decision };
  retryChannel.publish(event);
}

export function publishRequest(
  req: IncomingMessage,
  requestId: string,
  route: number,
  lastAttempt: Attempt | undefined,
  result: { status: number; durationMs: number; attempts: number; errorCode: ErrorCode | undefined },
): void {
  if (!requestChannel.hasSubscribers) return;
  const event: RequestEvent = {
    requestId,
    method: req.method ?? '',
    path: req.url ?? '',
    route,
    pool: lastAttempt?.poolName ?? '',
    endpoint: lastAttempt?.endpoint.id ?? '',
    ...result,
  };
  requestChannel.publish(event);
}
