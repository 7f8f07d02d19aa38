import { createHash, timingSafeEqual } from 'node:crypto';

/** Why a write (or a read of private data) is refused, in HTTP terms; the transport sends it as a JSON error. */
export interface WriteRefusal {
  readonly status: 401 | 403;
  readonly code: 'ADMIN_UNAUTHORIZED' | 'ADMIN_WRITES_DISABLED';
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
}

const realm = 'Bearer realm="bulwark-admin"';

/**
 * Checks `Authorization: Bearer <token>` against the configured tokens; undefined means allowed.
 * Tokens are compared as SHA-256 digests with timingSafeEqual: equal lengths whatever was sent, so
 * neither a token's length nor its first differing byte shows in the response time. Every token is
 * compared, without stopping at a match. Nothing here logs or echoes a token.
 */
export function refuseWrite(
  authorization: string | undefined,
  tokens: readonly string[],
): WriteRefusal | undefined {
  if (tokens.length === 0) {
    return {
      status: 403,
      code: 'ADMIN_WRITES_DISABLED',
      message:
        'this request needs an admin token, and none is configured; set admin.tokens in the config ' +
        '(e.g. tokens: ["${BULWARK_ADMIN_TOKEN}"]) and reload',
      headers: {},
    };
  }
  const presented = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
  if (presented === undefined) {
    return {
      status: 401,
      code: 'ADMIN_UNAUTHORIZED',
      message: 'this request needs an Authorization: Bearer <token> header',
      headers: { 'www-authenticate': realm },
    };
  }
  const presentedDigest = sha256(presented);
  let isKnown = false;
  for (const token of tokens) isKnown = timingSafeEqual(sha256(token), presentedDigest) || isKnown;
  if (isKnown) return undefined;
  return {
    status: 401,
    code: 'ADMIN_UNAUTHORIZED',
    message: 'the bearer token is not one of admin.tokens',
    headers: { 'www-authenticate': `${realm}, error="invalid_token"` },
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
