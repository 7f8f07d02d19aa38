import type { Clock } from '../core/clock.ts';
import type { RetryBudget } from './retry-budget.ts';
import { decideRetry, type FailureCause, type RetryQuestion } from './layers/retry.ts';
import { publishRetry, type AttemptSource } from './request-events.ts';

/** What a retry's events name: the request, its route, and the attempt that failed and why. */
export interface RetrySubject {
  readonly requestId: string;
  /** The route's id (routeIdOf): its name, or its position in config. */
  readonly route: string;
  readonly attempt: AttemptSource;
  readonly cause: FailureCause;
}

/**
 * A retry the policy allowed, waiting out its backoff. Its budget token is taken when it is decided, so that
 * requests failing together cannot all wait for the same last token; but it is counted as `retried` only when
 * it goes out (as Envoy's upstream_rq_retry), and its token goes back when it does not: no endpoint could take
 * it when the backoff ended, or the request ended meanwhile.
 */
export class PendingRetry {
  readonly #subject: RetrySubject;
  readonly #budget: RetryBudget;
  readonly #withdrawnMs: number;
  readonly #cancelTimer: () => void;

  /** `withdrawnMs`: when the budget token was taken; `onBackoffEnd` runs after `delayMs` unless cancelled. */
  constructor(
    subject: RetrySubject,
    budget: RetryBudget,
    withdrawnMs: number,
    delayMs: number,
    clock: Clock,
    onBackoffEnd: (retry: PendingRetry) => void,
  ) {
    this.#subject = subject;
    this.#budget = budget;
    this.#withdrawnMs = withdrawnMs;
    this.#cancelTimer = clock.setTimer(delayMs, () => onBackoffEnd(this));
  }

  /**
   * The backoff ended. `isSent`: an endpoint took the retry, and now it is one. Otherwise none could, and
   * the request ends with what the last attempt left: a held answer, or the gateway's error.
   */
  settle(isSent: boolean): void {
    if (!isSent) this.#budget.refund(this.#withdrawnMs);
    const { requestId, route, attempt, cause } = this.#subject;
    publishRetry(requestId, route, attempt, cause, isSent ? 'retried' : 'no-endpoint');
  }

  /** The request ended during the backoff (its client left): no retry happened, nor was one refused. */
  cancel(): void {
    this.#cancelTimer();
    this.#budget.refund(this.#withdrawnMs);
  }
}

/**
 * Asks the route's policy whether the failed attempt may be retried. A denial is counted at once; an allowed
 * retry waits out its backoff, then `onBackoffEnd` looks for an endpoint and settles it.
 */
export function scheduleRetry(
  question: RetryQuestion,
  subject: RetrySubject,
  clock: Clock,
  onBackoffEnd: (retry: PendingRetry) => void,
): PendingRetry | undefined {
  const decision = decideRetry(question);
  if (decision.retry)
    return new PendingRetry(subject, question.budget, question.nowMs, decision.delayMs, clock, onBackoffEnd);
  if (decision.denial !== undefined)
    publishRetry(subject.requestId, subject.route, subject.attempt, subject.cause, decision.denial);
  return undefined;
}
