import type { ErrorCode } from '../core/errors.ts';
import type { Outcome } from '../core/outcome.ts';
import type { FailureCause } from './layers/retry.ts';

export interface ClassifiedFailure {
  /** The retry condition this error matches, if any. */
  readonly cause: FailureCause | undefined;
  readonly outcome: Outcome;
}

const connectCodes = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTDOWN',
  'ENETDOWN',
]);
const resetCodes = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED']);
/**
 * undici's HTTP/1 parser closes the socket with these SocketErrors when the upstream answers a `100 Continue`
 * nobody asked for (it refuses every 100) or a `101` to a request that asked no upgrade: the upstream read
 * the request and answered, so this is a malformed answer, not a reset before any response; as a reset on a
 * reused socket it was replayed, a POST included.
 */
const answeredBadly = new Set(['bad response', 'bad upgrade']);

/** Maps an undici error that arrived before any response header to a retry cause and an Outcome. */
export function classifyUpstreamError(error: Error, latencyMs: number): ClassifiedFailure {
  const code = (error as { code?: string }).code ?? '';
  if (code === 'ECONNREFUSED')
    return { cause: 'refused', outcome: { kind: 'failure', reason: 'connect', latencyMs } };
  // Refused locally before anything was sent: a connect-class failure for retries, none of the endpoint's.
  if (code === 'GW_ENDPOINT_SATURATED')
    return { cause: 'connect-failure', outcome: { kind: 'rejected', reason: 'saturated' } };
  if (code === 'UND_ERR_CONNECT_TIMEOUT')
    return { cause: 'connect-failure', outcome: { kind: 'timeout', phase: 'connect', latencyMs } };
  if (connectCodes.has(code))
    return { cause: 'connect-failure', outcome: { kind: 'failure', reason: 'connect', latencyMs } };
  // The request reached the upstream, which never answered: retried only as `first-byte-timeout` allows.
  if (code === 'UND_ERR_HEADERS_TIMEOUT')
    return { cause: 'first-byte-timeout', outcome: { kind: 'timeout', phase: 'first_byte', latencyMs } };
  if (code === 'UND_ERR_BODY_TIMEOUT')
    return { cause: undefined, outcome: { kind: 'timeout', phase: 'idle', latencyMs } };
  // The upstream answered, with more header bytes than the pool takes: the same URL would be as large on
  // every endpoint, so it is neither retried nor held against this one.
  if (code === 'UND_ERR_HEADERS_OVERFLOW')
    return { cause: undefined, outcome: { kind: 'failure', reason: 'headers-too-large', latencyMs } };
  if (resetCodes.has(code) && !(code === 'UND_ERR_SOCKET' && answeredBadly.has(error.message)))
    return { cause: 'reset-before-response', outcome: { kind: 'failure', reason: 'reset', latencyMs } };
  return { cause: undefined, outcome: { kind: 'failure', reason: 'protocol', latencyMs } };
}

/** A short, address-free description of a failure, safe to show clients. */
export function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'timeout':
      return `${outcome.phase} timeout`;
    case 'failure':
      if (outcome.reason === 'headers-too-large')
        return 'response headers larger than max_response_header_bytes';
      return outcome.reason === 'connect'
        ? 'could not connect'
        : outcome.reason === 'reset'
          ? 'connection reset'
          : `${outcome.reason} error`;
    case 'success':
    case 'rejected':
      return outcome.kind;
  }
}

/**
 * An upstream's answer as an outcome. With `isOverloadFailure` a 429 counts as a failure too: for latency
 * balancing, where a fast refusal must not attract traffic (pitfall 10), but not for outlier detection, as
 * a 429 speaks of load or a client's quota, not of a broken endpoint.
 */
export function statusOutcome(status: number, latencyMs: number, isOverloadFailure: boolean): Outcome {
  return status >= 500 || (isOverloadFailure && status === 429)
    ? { kind: 'failure', reason: 'status', status, latencyMs }
    : { kind: 'success', status, latencyMs };
}

/** A response broken after it began: silence past the idle timeout, or anything else (a reset). */
export function midStreamOutcome(error: Error, latencyMs: number): Outcome {
  return (error as { code?: string }).code === 'UND_ERR_BODY_TIMEOUT'
    ? { kind: 'timeout', phase: 'idle', latencyMs }
    : { kind: 'failure', reason: 'reset', latencyMs };
}

/** What the client is told when the gateway ends a request itself, before any response went out. */
export interface GatewayFailure {
  readonly status: number;
  readonly code: ErrorCode;
  /** Clients learn the pool and the kind of failure; addresses and library errors stay in logs and metrics. */
  readonly message: string;
}

export function noEndpointFailure(poolName: string): GatewayFailure {
  const message = `no endpoint of pool "${poolName}" can take requests`;
  return { status: 503, code: 'GW_NO_HEALTHY_ENDPOINT', message };
}

/** The last attempt failed without an answer: 504 when it timed out, 503 when it was never sent, else 502. */
export function attemptFailure(poolName: string, outcome: Outcome): GatewayFailure {
  if (outcome.kind === 'rejected') return saturatedFailure(poolName);
  const isTimeout = outcome.kind === 'timeout';
  return {
    status: isTimeout ? 504 : 502,
    code: isTimeout ? 'GW_UPSTREAM_TIMEOUT' : 'GW_UPSTREAM_FAILED',
    message: `upstream of pool "${poolName}" failed: ${describeOutcome(outcome)}`,
  };
}

/**
 * An attempt that was discarded for a retry, in case no retry can be made after all. `wasRefused`: it was never
 * sent, as every connection to its endpoint stayed busy.
 */
export function retriedFailure(poolName: string, cause: FailureCause, wasRefused = false): GatewayFailure {
  if (wasRefused) return saturatedFailure(poolName);
  if (cause === 'first-byte-timeout')
    return attemptFailure(poolName, { kind: 'timeout', phase: 'first_byte', latencyMs: 0 });
  const message =
    typeof cause === 'number'
      ? `upstream answered ${cause}`
      : `upstream of pool "${poolName}" failed: ${cause}`;
  return { status: 502, code: 'GW_UPSTREAM_FAILED', message };
}

/** Every connection to the endpoint stayed busy: Bulwark's overflow, which the upstream never saw. */
export function saturatedFailure(poolName: string): GatewayFailure {
  const message = `all connections to the endpoint of pool "${poolName}" are busy (max_connections_per_endpoint)`;
  return { status: 503, code: 'GW_ENDPOINT_SATURATED', message };
}

export function totalTimeoutFailure(totalMs: number): GatewayFailure {
  const message = `no complete response within the route's total timeout of ${totalMs} ms`;
  return { status: 504, code: 'GW_UPSTREAM_TIMEOUT', message };
}

/** The attempt the route's total timeout caught, if any, as far as the timeout needs to know it. */
interface TimedOutAttempt {
  readonly poolName: string;
  readonly startedMs: number;
  /** Still waiting for a connection (ConnectionGate): nothing was sent. */
  readonly isQueued: boolean;
}

/**
 * What the total timeout holds against the attempt it caught, and tells the client. One still waiting for a
 * connection never reached its endpoint: a local overflow (503), not the endpoint's timeout (504).
 */
export function totalTimeoutVerdict(
  attempt: TimedOutAttempt | undefined,
  totalMs: number,
  nowMs: number,
): { readonly outcome: Outcome; readonly failure: GatewayFailure } {
  if (attempt?.isQueued === true)
    return {
      outcome: { kind: 'rejected', reason: 'saturated' },
      failure: saturatedFailure(attempt.poolName),
    };
  const latencyMs = attempt ? nowMs - attempt.startedMs : 0;
  return { outcome: { kind: 'timeout', phase: 'total', latencyMs }, failure: totalTimeoutFailure(totalMs) };
}
