import type { CheckContext } from './check.ts';

/** One run's deadline and stopwatch: `signal` aborts at timeoutMs or when the caller's signal does. */
export interface RunBounds {
  readonly signal: AbortSignal;
  elapsedMs(): number;
  /** Settles with `work`, or rejects with the abort reason first; the caller then tears the work down. */
  race<T>(work: Promise<T>): Promise<T>;
  /** A short, human reason for a failure; a timeout reads the same whichever timer noticed it first. */
  describe(error: unknown): string;
  /** Whether the run's deadline or its caller ended it, rather than something the target did. */
  isStopped(error: unknown): boolean;
  /** Clears the deadline timer; call once the run is over. */
  end(): void;
}

// Codes meaning "took too long", from node:net, c-ares and undici's own phase timers.
const timeoutCodes = new Set([
  'ETIMEDOUT',
  'ETIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

// OpenSSL's verify results, worded as OpenSSL does, for the codes a monitor meets in practice.
const verifyMessages: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_REVOKED: 'certificate revoked',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
};

export function startRun(context: CheckContext): RunBounds {
  const startedAtMs = performance.now();
  const controller = new AbortController();
  let didTimeOut = false;
  const timer = setTimeout(() => {
    didTimeOut = true;
    controller.abort(new Error(`timed out after ${context.timeoutMs} ms`));
  }, context.timeoutMs);
  const onAbort = () => controller.abort(context.signal.reason);
  if (context.signal.aborted) onAbort();
  else context.signal.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    elapsedMs: () => Math.round((performance.now() - startedAtMs) * 10) / 10,
    race(work) {
      const { signal } = controller;
      if (signal.aborted) return Promise.reject(signal.reason as Error);
      let rejectOnAbort = () => {};
      const aborted = new Promise<never>((_, reject) => {
        rejectOnAbort = () => reject(signal.reason as Error);
        signal.addEventListener('abort', rejectOnAbort, { once: true });
      });
      return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', rejectOnAbort));
    },
    describe(error) {
      if (didTimeOut || timeoutCodes.has(codeOf(error))) return `timed out after ${context.timeoutMs} ms`;
      if (context.signal.aborted) return 'aborted';
      return describeError(error);
    },
    isStopped(error) {
      return didTimeOut || timeoutCodes.has(codeOf(error)) || context.signal.aborted;
    },
    end() {
      clearTimeout(timer);
      context.signal.removeEventListener('abort', onAbort);
    },
  };
}

/** The OpenSSL wording for a verify code (as in `TLSSocket#authorizationError`), or the code itself. */
export function describeVerifyCode(code: string): string {
  return verifyMessages[code] ?? code;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = codeOf(error);
  if (Object.hasOwn(verifyMessages, code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) {
    // OpenSSL errors carry the short reason ("wrong version number") beside a long library-prefixed message.
    const reason: unknown = Reflect.get(error, 'reason');
    return `TLS: ${typeof reason === 'string' ? reason : (verifyMessages[code] ?? error.message)}`;
  }
  // undici's "other side closed" alone does not say what closed.
  if (code === 'UND_ERR_SOCKET') return `connection lost: ${error.message}`;
  // Happy Eyeballs tries every address of a name and reports them together, with an empty message.
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map((inner) => describeError(inner)).join('; ');
  }
  return error.message || code || error.name;
}

function codeOf(error: unknown): string {
  const code: unknown = error instanceof Error ? Reflect.get(error, 'code') : undefined;
  return typeof code === 'string' ? code : '';
}
