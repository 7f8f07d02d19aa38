/** Label values for gateway metrics, derived from event fields without per-event string building. */
import type { FailureReason, Outcome, RejectReason } from '../core/index.ts';

// Constant tables, so labelling an attempt never builds a string.
const failureLabels: Readonly<Record<FailureReason, string>> = {
  status: 'failure_status',
  connect: 'failure_connect',
  reset: 'failure_reset',
  assertion: 'failure_assertion',
  protocol: 'failure_protocol',
  'headers-too-large': 'failure_headers_too_large',
};

const rejectedLabels: Readonly<Record<RejectReason, string>> = {
  shed: 'rejected_shed',
  'breaker-open': 'rejected_breaker_open',
  budget: 'rejected_budget',
  'rate-limited': 'rejected_rate_limited',
  'no-endpoint': 'rejected_no_endpoint',
  saturated: 'rejected_saturated',
};

/** The `outcome` label of bulwark_gateway_upstream_attempts_total. */
export function outcomeLabel(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'success':
      return 'success';
    case 'failure':
      return failureLabels[outcome.reason];
    case 'timeout':
      return 'timeout';
    case 'rejected':
      return rejectedLabels[outcome.reason];
  }
}

const statusClassLabels = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** 2xx … 5xx; `other` for anything outside 100–599 (0 when no response was ever sent). */
export function statusClassLabel(status: number): string {
  const index = status >= 100 && status < 600 ? Math.trunc(status / 100) : 0;
  return statusClassLabels[index] ?? 'other';
}
