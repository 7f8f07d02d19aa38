import { errors } from 'undici';
import { describe, expect, it } from 'vitest';
import { classifyUpstreamError, retriedFailure } from './upstream-errors.ts';

describe('a first-byte timeout', () => {
  it('is the retry cause first-byte-timeout, and a first_byte timeout against the endpoint', () => {
    expect(classifyUpstreamError(new errors.HeadersTimeoutError(), 2_000)).toEqual({
      cause: 'first-byte-timeout',
      outcome: { kind: 'timeout', phase: 'first_byte', latencyMs: 2_000 },
    });
  });

  it('whose retry no endpoint could take leaves the client a 504, not a 502', () => {
    expect(retriedFailure('llm', 'first-byte-timeout')).toEqual({
      status: 504,
      code: 'GW_UPSTREAM_TIMEOUT',
      message: 'upstream of pool "llm" failed: first_byte timeout',
    });
  });
});
