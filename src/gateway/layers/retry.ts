import type { RetryCondition, RetrySpec } from '../spec.ts';
import type { RetryBudget } from '../retry-budget.ts';

/** Why an attempt failed before anything reached the client: a transport cause or the upstream's status. */
export type FailureCause =
  'connect-failure' | 'refused' | 'reset-before-response' | 'first-byte-timeout' | number;

/** RFC 9110 §9.2.2: repeating these has the same effect as sending them once. */
const idempotentMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export interface RetryQuestion {
  readonly spec: RetrySpec;
  readonly method: string;
  readonly cause: FailureCause;
  /** The failed attempt went out on a keep-alive socket that had served an earlier request. */
  readonly isSocketReused: boolean;
  readonly isBodyReplayable: boolean;
  readonly attemptsMade: number;
  readonly budget: RetryBudget;
  readonly nowMs: number;
  readonly deadlineMs: number;
  readonly random: () => number;
}

export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | {
      readonly retry: false;
      readonly denial?: 'attempts' | 'not-idempotent' | 'body-not-replayable' | 'deadline' | 'budget';
    };

/**
 * Whether a failed attempt may be repeated. Safe by default: a request is replayed only when it provably
 * never reached an upstream (connect refused or failed; a reused keep-alive socket reset before any
 * response byte — the keep-alive race), or when the method is idempotent or the route opted in.
 */
export function decideRetry(q: RetryQuestion): RetryDecision {
  if (!isListed(q.spec.on, q.cause)) return { retry: false };
  if (q.attemptsMade >= q.spec.attempts) return { retry: false, denial: 'attempts' };
  if (!neverReachedUpstream(q) && !idempotentMethods.has(q.method) && !q.spec.retryNonIdempotent)
    return { retry: false, denial: 'not-idempotent' };
  if (!q.isBodyReplayable) return { retry: false, denial: 'body-not-replayable' };
  const delayMs = backoffMs(q.spec, q.attemptsMade, q.random);
  if (q.nowMs + delayMs >= q.deadlineMs) return { retry: false, denial: 'deadline' };
  // The budget is asked last so that a retry denied for another reason does not spend it.
  if (!q.budget.tryRetry(q.nowMs)) return { retry: false, denial: 'budget' };
  return { retry: true, delayMs };
}

/** `refused` is one kind of connect failure, so listing `connect-failure` covers it (as in Envoy). */
function isListed(on: readonly RetryCondition[], cause: FailureCause): boolean {
  if (on.includes(cause)) return true;
  return cause === 'refused' && on.includes('connect-failure');
}

function neverReachedUpstream(q: RetryQuestion): boolean {
  // The rule and Node's `reusedSocket` guidance. Not a proof: an upstream that read a request and
  // died before answering looks the same; routes that must never replay drop `reset-before-response` (ADR 2).
  return (
    q.cause === 'connect-failure' ||
    q.cause === 'refused' ||
    (q.cause === 'reset-before-response' && q.isSocketReused)
  );
}

/** Envoy's fully jittered exponential backoff: retry n waits uniformly in [0, min(max, base × 2^(n−1))). */
export function backoffMs(spec: RetrySpec, retryNumber: number, random: () => number): number {
  const ceilingMs = Math.min(spec.backoffMaxMs, spec.backoffBaseMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.floor(random() * ceilingMs);
}
