/**
 * What one run of a check saw, before any judgement: the facts assertions are evaluated against. A check
 * fills the facts its kind has (an HTTP check has `status`, a DNS check `answers`); a transport failure
 * (refused, timeout, DNS error, TLS error) leaves them out and sets `error`.
 */
export interface Observation {
  /** Wall time from start to the last fact, in ms; present even when the check failed. */
  readonly responseTimeMs: number;
  /** Why the check could not observe its target at all; undefined when it could. */
  readonly error?: string | undefined;
  /** TCP/TLS/HTTP: whether a connection was established. */
  readonly connected?: boolean | undefined;
  /** HTTP: the final status (after redirects, when followed). */
  readonly status?: number | undefined;
  /** HTTP: response headers, names lower-cased, repeated ones joined with ", ". */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** HTTP: the body as text, truncated to a bounded size by the check. */
  readonly body?: string | undefined;
  /** TLS and HTTPS: whole days until the peer certificate expires (negative once expired). */
  readonly certDaysLeft?: number | undefined;
  /** DNS: the answers, as text (addresses, names, or record data). */
  readonly answers?: readonly string[] | undefined;
}
