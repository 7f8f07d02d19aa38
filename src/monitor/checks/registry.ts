import type { Observation } from '../../core/index.ts';
import type { Check, CheckContext } from './check.ts';
import { dnsCheck, type DnsCheckSpec } from './dns.ts';
import { httpCheck, type HttpCheckSpec } from './http.ts';
import { tcpCheck, type TcpCheckSpec } from './tcp.ts';
import { tlsCheck, type TlsCheckSpec } from './tls.ts';

/** Every pull-based check kind; a new kind is one file and one entry here. Heartbeats are pushed, not run. */
export const checks = [httpCheck, tcpCheck, tlsCheck, dnsCheck] as const;

export type CheckSpec = HttpCheckSpec | TcpCheckSpec | TlsCheckSpec | DnsCheckSpec;
export type CheckKind = CheckSpec['kind'];

// Fails to compile when a spec kind has no check in the array, or the array holds a kind with no spec.
type RegisteredKind = (typeof checks)[number]['kind'];
const _isEveryKindRegistered: [CheckKind, RegisteredKind] extends [RegisteredKind, CheckKind] ? true : never =
  true;

// Each check reads only its own validated keys; the map forgets which keys those are.
const byKind = new Map<CheckKind, Check<CheckSpec, Record<string, unknown>>>(
  checks.map((check) => [check.kind, check]),
);

/** The spec to run for a monitor entry of a pull kind, built by that kind's check from its own keys. */
export function checkSpecOf(entry: { readonly type: CheckKind } & Record<string, unknown>): CheckSpec {
  const check = byKind.get(entry.type);
  if (!check) throw new Error(`no check registered for kind "${entry.type}"`);
  return check.specOf(entry);
}

/** The kind's own pass rule for a monitor without assertions; undefined for kinds that are not run (heartbeat). */
export function defaultFailureOf(kind: string, observation: Observation): string | undefined {
  return byKind.get(kind as CheckKind)?.defaultFailure(observation);
}

/** Runs the check registered for `spec.kind`; resolves an Observation for any failure of the target. */
export function runCheck(spec: CheckSpec, context: CheckContext): Promise<Observation> {
  const check = byKind.get(spec.kind);
  if (!check) throw new Error(`no check registered for kind "${spec.kind}"`);
  return check.run(spec, context);
}
