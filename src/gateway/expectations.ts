import type { IncomingMessage } from 'node:http';
import type { Refusal } from './request-guard.ts';

/**
 * Whether the client may be sent a 1xx (100 Continue, 103 Early Hints). An HTTP/1.0 one knows none: RFC 9110
 * §15.2 forbids them, and §10.1.1 has its server ignore `Expect: 100-continue`.
 */
export function knowsInterimResponses(req: IncomingMessage): boolean {
  return req.httpVersionMajor !== 1 || req.httpVersionMinor !== 0;
}

/**
 * RFC 9110 §10.1.1: 100-continue is the only expectation there is, and the gateway meets it (see
 * readRequestBody); any other it cannot, so 417, refused like any request before its body. node answered it
 * itself, a bare 417 without request id on a connection it kept. An HTTP/1.0 request's Expect is ignored, as
 * node ignores it.
 */
export function expectationRefusalOf(req: IncomingMessage): Refusal | undefined {
  const { expect } = req.headers;
  if (expect === undefined || !knowsInterimResponses(req)) return undefined;
  if (expect.split(',').every((member) => member.trim().toLowerCase() === '100-continue')) return undefined;
  return {
    status: 417,
    code: 'GW_EXPECTATION_FAILED',
    message: 'an expectation other than 100-continue cannot be met',
  };
}
