/**
 * Bytes a Host value may hold: `uri-host [":" port]` (RFC 9110 §7.2, RFC 3986 §3.2.2) — letters, digits,
 * unreserved and sub-delims, `%` of pct-encoding, `:` and the brackets of an IP literal. Anything else (a
 * space, `/`, `@`, `\`, a quote) makes it no host at all, and an upstream that builds links from it
 * (password reset mails, redirects, cache keys) would build them from whatever the client wrote there.
 */
const hostBytes = new Uint8Array(128);
for (const char of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()*+,;=:[]")
  hostBytes[char.charCodeAt(0)] = 1;

/** Whether `value` is a syntactically valid Host; empty is valid (RFC 9112 §3.2: no authority to name). */
export function isValidHost(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0x7f || hostBytes[code] === 0) return false;
  }
  return true;
}
