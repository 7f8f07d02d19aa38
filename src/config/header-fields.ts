import { z } from 'zod';

/** Header names and values a config may send: routes' request_headers and pools' health-check headers. */

// RFC 9110 §5.6.2 token.
const tokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// RFC 9110 §5.5 field-value bytes, the same test undici applies before it sends a header.
const fieldValuePattern = /^[\t\x20-\x7e\x80-\xff]*$/;

/** A header name; `refusalOf` (given it lower-cased) says why a name may not be used there. */
export function headerNameWith(refusalOf: (lowerName: string) => string | undefined) {
  return z
    .string()
    .regex(tokenPattern, "a header name is letters, digits and !#$%&'*+.^_`|~-")
    .superRefine((name, ctx) => {
      const refusal = refusalOf(name.toLowerCase());
      if (refusal) ctx.addIssue({ code: 'custom', message: refusal });
    });
}

// The messages never start with "expected": the loader would append the value, and it is often an API key.
export const headerValue = z
  .union([z.string(), z.number().transform(String)], {
    error: 'a header value is text or a number (the value is not shown: it may be a secret)',
  })
  .refine((value) => fieldValuePattern.test(value), {
    message: 'a header value may not hold control characters (CR, LF, NUL…) nor characters beyond Latin-1',
  });
