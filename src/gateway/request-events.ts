import { channel } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { ErrorCode } from '../core/errors.ts';
import {
  channelNames,
  type AttemptEvent,
  type MeasuredExchange,
  type RequestClient,
  type RequestEvent,
  type RetryEvent,
} from '../core/events.ts';
import type { Outcome } from '../core/outcome.ts';
import type { FailureCause } from './layers/retry.ts';

/**
 * The one place request, attempt and retry events are built, for forwarded requests, WebSocket handshakes
 * and answers the gateway gives itself. Built only when someone listens: otherwise one property read.
 */
const requestChannel = channel(channelNames.request);
const attemptChannel = channel(channelNames.attempt);
const retryChannel = channel(channelNames.retry);

/** What an event needs of an attempt: the HTTP exchange's and the upgrade handshake's attempts both fit. */
export interface AttemptSource {
  readonly poolName: string;
  readonly endpoint: { readonly id: string };
}

export function publishAttempt(requestId: string, attempt: AttemptSource, outcome: Outcome): void {
  if (!attemptChannel.hasSubscribers) return;
  const event: AttemptEvent = { requestId, pool: attempt.poolName, endpoint: attempt.endpoint.id, outcome };
  attemptChannel.publish(event);
}

/** A retry sent, or one denied for a reason; a failure the route does not retry on is no retry event. */
export function publishRetry(
  requestId: string,
  route: string,
  attempt: AttemptSource,
  cause: FailureCause,
  decision: RetryEvent['decision'],
): void {
  if (!retryChannel.hasSubscribers) return;
  const event: RetryEvent = { requestId, route, pool: attempt.poolName, cause: String(cause), decision };
  retryChannel.publish(event);
}

export function publishRequest(
  req: IncomingMessage,
  exchange: MeasuredExchange,
  requestId: string,
  route: string,
  lastAttempt: AttemptSource | undefined,
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
    // Named one by one: a spread (`...result`) copies through a generic builtin on every request.
    status: result.status,
    durationMs: result.durationMs,
    attempts: result.attempts,
    errorCode: result.errorCode,
    // References, not copies: the access log reads them only when it writes a line.
    client: req,
    exchange,
  };
  requestChannel.publish(event);
}

/** A request as a local answer knows it: an IncomingMessage, or a refused request line with its socket. */
type LocalRequest = Pick<IncomingMessage, 'method' | 'url'> & RequestClient;

/** An answer the gateway gave without forwarding (404, 413, a refused request): route `none` when unrouted. */
export function publishLocalAnswer(
  /** The request, or what is known of one node's parser refused (see request-line.ts). */
  req: LocalRequest | undefined,
  requestId: string,
  route: string,
  status: number,
  errorCode: ErrorCode,
  /** The route's pool, when the answer is about it (an overload refusal): per-pool dashboards count it. */
  pool = '',
  /** The rate limit that refused it, with its key's fingerprint. */
  refusal?: { readonly limit: string; readonly keyFingerprint: string },
): void {
  if (!requestChannel.hasSubscribers) return;
  const event: RequestEvent = {
    requestId,
    method: req?.method ?? '',
    path: req?.url ?? '',
    route,
    pool,
    endpoint: '',
    status,
    durationMs: 0,
    attempts: 0,
    errorCode,
    limit: refusal?.limit,
    keyFingerprint: refusal?.keyFingerprint,
    client: req,
  };
  requestChannel.publish(event);
}
