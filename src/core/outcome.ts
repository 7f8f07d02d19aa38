/**
 * What one attempt against an upstream produced. Health tracking, outlier detection, balancers,
 * SLOs and metrics all consume Outcomes, so every failure mode has exactly one name.
 */
export type Outcome =
  | { readonly kind: 'success'; readonly status: number; readonly latencyMs: number }
  | {
      readonly kind: 'failure';
      readonly reason: FailureReason;
      readonly latencyMs: number;
      /** Present when reason is 'status'. */
      readonly status?: number;
    }
  | { readonly kind: 'timeout'; readonly phase: TimeoutPhase; readonly latencyMs: number }
  | { readonly kind: 'rejected'; readonly reason: RejectReason };

/**
 * connect: refused or unreachable before a socket existed; reset: the socket died before a full response;
 * headers-too-large: an answer whose header block is over the pool's limit.
 */
export type FailureReason = 'status' | 'connect' | 'reset' | 'assertion' | 'protocol' | 'headers-too-large';
export type TimeoutPhase = 'connect' | 'first_byte' | 'idle' | 'total';
/** saturated: every connection to the endpoint stayed busy, so the request was never sent (a local overflow). */
export type RejectReason = 'shed' | 'breaker-open' | 'budget' | 'rate-limited' | 'no-endpoint' | 'saturated';

/** An upstream failure that counts against the endpoint's health (a 4xx is the client's fault, not the upstream's). */
export function isUpstreamFailure(outcome: Outcome): boolean {
  switch (outcome.kind) {
    case 'success':
    case 'rejected':
      return false;
    case 'timeout':
      return true;
    case 'failure':
      // Oversized headers belong to one URL's answer (a pile of cookies), not to the endpoint's health.
      if (outcome.reason === 'headers-too-large') return false;
      return outcome.reason !== 'status' || (outcome.status ?? 0) >= 500;
  }
}
