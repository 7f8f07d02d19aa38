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

/** Maps an undici error that arrived before any response header to a retry cause and an Outcome. */
export function classifyUpstreamError(error: Error, latencyMs: number): ClassifiedFailure {
  const code = (error as { code?: string }).code ?? '';
  if (code === 'ECONNREFUSED')
    return { cause: 'refused', outcome: { kind: 'failure', reason: 'connect', latencyMs } };
  if (code === 'UND_ERR_CONNECT_TIMEOUT')
    return { cause: 'connect-failure', outcome: { kind: 'timeout', phase: 'connect', latencyMs } };
  if (connectCodes.has(code))
    return { cause: 'connect-failure', outcome: { kind: 'failure', reason: 'connect', latencyMs } };
  if (code === 'UND_ERR_HEADERS_TIMEOUT')
    return { cause: undefined, outcome: { kind: 'timeout', phase: 'first_byte', latencyMs } };
  if (code === 'UND_ERR_BODY_TIMEOUT')
    return { cause: undefined, outcome: { kind: 'timeout', phase: 'idle', latencyMs } };
  if (resetCodes.has(code))
    return { cause: 'reset-before-response', outcome: { kind: 'failure', reason: 'reset', latencyMs } };
  return { cause: undefined, outcome: { kind: 'failure', reason: 'protocol', latencyMs } };
}

/** A short, address-free description of a failure, safe to show clients. */
export function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'timeout':
      return `${outcome.phase} timeout`;
    case 'failure':
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
