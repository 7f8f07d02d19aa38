import { isUpstreamFailure } from '../../core/index.ts';
import type { Outcome } from '../../core/index.ts';
import type { Endpoint } from '../endpoint.ts';

/** τ, Finagle PeakEwma's default `decayTime` (also linkerd2-proxy's EWMA_DECAY): 10 s. */
export const decayTimeMs = 10_000;
/**
 * Penalty latency for a failed or rate-limited attempt: it starts at 1 s and doubles with each one, up to
 * 60 s (Linkerd's failure-accrual min_penalty/max_penalty). A fixed penalty is not enough: a fast 429 keeps
 * inFlight near 0, so a fixed 1 s loses to a healthy peer whose cost × (inFlight + 1) passes 1 s — an LLM
 * backend at 800 ms with 2 in flight already does. Doubling makes a steady stream of 429s cost the cap.
 */
const minPenaltyMs = 1_000;
const maxPenaltyMs = 60_000;
/** A cost of 0 means "no sample yet" on Endpoint, so a 0 ms sample is stored as 1 µs. */
const minSampleMs = 0.001;

/**
 * The cost as read at `nowMs`: decayed toward 0 since the last sample, as Finagle's read (`sample(0)`)
 * does. That is what lets a penalized endpoint, which gets no samples, be tried again eventually.
 */
export function decayedCostMs(endpoint: Endpoint, nowMs: number): number {
  const elapsedMs = nowMs - endpoint.ewmaStampMs;
  return elapsedMs > 0 ? endpoint.ewmaCostMs * Math.exp(-elapsedMs / decayTimeMs) : endpoint.ewmaCostMs;
}

/**
 * Feeds one attempt into the endpoint's peak-EWMA cost; the proxy calls it after every attempt, with the
 * latency to response headers (for streams, time to first byte: a full stream's duration is not a
 * latency, pitfall 11). Peak: a sample above the cost replaces it at once; otherwise
 * cost = cost·w + rtt·(1 − w), w = exp(−Δt/τ) (Finagle PeakEwma.sample).
 */
export function recordLatency(endpoint: Endpoint, outcome: Outcome, nowMs: number): void {
  // A local rejection never reached the endpoint, so it says nothing about its latency.
  if (outcome.kind === 'rejected') return;
  if (isPenalized(outcome)) {
    const currentMs = decayedCostMs(endpoint, nowMs);
    const penaltyMs = Math.min(maxPenaltyMs, Math.max(minPenaltyMs, 2 * currentMs));
    endpoint.ewmaCostMs = Math.max(outcome.latencyMs, currentMs, penaltyMs);
  } else {
    const rttMs = Math.max(minSampleMs, outcome.latencyMs);
    if (rttMs > endpoint.ewmaCostMs) {
      endpoint.ewmaCostMs = rttMs;
    } else {
      const weight = Math.exp(-Math.max(0, nowMs - endpoint.ewmaStampMs) / decayTimeMs);
      endpoint.ewmaCostMs = endpoint.ewmaCostMs * weight + rttMs * (1 - weight);
    }
  }
  endpoint.ewmaStampMs = nowMs;
}

/**
 * Fast errors must not look fast (pitfall 10, Linkerd's "load biaser"): 429s and 5xx, connect/reset and
 * protocol failures, and timeouts count as a penalty latency instead of their real, often tiny, latency.
 */
function isPenalized(outcome: Exclude<Outcome, { kind: 'rejected' }>): boolean {
  if (outcome.kind === 'timeout') return true;
  if (outcome.status === 429 || (outcome.status ?? 0) >= 500) return true;
  return isUpstreamFailure(outcome);
}
