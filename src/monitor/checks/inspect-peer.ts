import type { TLSSocket } from 'node:tls';
import { describeVerifyCode } from './run-bounds.ts';

export interface PeerInspection {
  /** Whole days until the peer certificate's notAfter, negative once expired; undefined without one. */
  readonly certDaysLeft: number | undefined;
  /** Why the peer is not trusted, when verification was asked for and failed. */
  readonly rejection: Error | undefined;
}

const dayMs = 86_400_000;

/**
 * Reads a handshaken socket opened with `rejectUnauthorized: false`: Node still verifies the chain and the
 * host name and records the verdict in `authorized`, so the check can report the days left on a certificate
 * it then refuses (an expired certificate is exactly when the number matters).
 */
export function inspectPeer(
  socket: TLSSocket,
  options: { readonly hostname: string; readonly verify: boolean },
): PeerInspection {
  const validTo = socket.getPeerX509Certificate()?.validToDate;
  const certDaysLeft = validTo ? Math.floor((validTo.getTime() - Date.now()) / dayMs) : undefined;
  if (!options.verify || socket.authorized) return { certDaysLeft, rejection: undefined };
  // At run time authorizationError is the verify code (a string), whatever @types/node says.
  const authorizationError: unknown = socket.authorizationError;
  const code =
    authorizationError instanceof Error
      ? String(Reflect.get(authorizationError, 'code'))
      : String(authorizationError);
  const message =
    code === 'ERR_TLS_CERT_ALTNAME_INVALID'
      ? `certificate is not valid for ${options.hostname}`
      : describeVerifyCode(code);
  return { certDaysLeft, rejection: Object.assign(new Error(message), { code }) };
}
