import { promises as dns } from 'node:dns';
import { isIPv6 } from 'node:net';
import { z } from 'zod';
import type { Check } from './check.ts';
import { startRun } from './run-bounds.ts';

export type DnsRecordType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'NS';

export interface DnsCheckSpec {
  readonly kind: 'dns';
  readonly host: string;
  readonly record: DnsRecordType;
  /** An IP address and port to ask; the system's resolvers when absent. */
  readonly resolver?: { readonly host: string; readonly port: number } | undefined;
}

type Query = (resolver: dns.Resolver, host: string) => Promise<string[]>;

// Every answer as text: addresses and names as they are, MX as "priority exchange", TXT chunks joined.
const queries: Readonly<Record<DnsRecordType, Query>> = {
  A: (resolver, host) => resolver.resolve4(host),
  AAAA: (resolver, host) => resolver.resolve6(host),
  CNAME: (resolver, host) => resolver.resolveCname(host),
  NS: (resolver, host) => resolver.resolveNs(host),
  MX: async (resolver, host) =>
    (await resolver.resolveMx(host)).map(({ priority, exchange }) => `${priority} ${exchange}`),
  TXT: async (resolver, host) => (await resolver.resolveTxt(host)).map((chunks) => chunks.join('')),
};

const configFields = {
  host: z.string().min(1),
  record: z.enum(['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS']).default('A'),
  resolver: z
    .string()
    .regex(/^[A-Za-z0-9.:[\]-]+:\d{1,5}$/, 'expected HOST:PORT such as 127.0.0.1:53')
    .optional(),
};

/** One query to one resolver, no retries: a monitor wants to see the resolver's failure, not mask it. */
export const dnsCheck: Check<DnsCheckSpec, z.output<z.ZodObject<typeof configFields>>> = {
  kind: 'dns',
  configFields,
  specOf: (c) => ({
    kind: 'dns',
    host: c.host,
    record: c.record,
    resolver: c.resolver === undefined ? undefined : hostPortOf(c.resolver),
  }),
  defaultFailure: (observation) =>
    (observation.answers?.length ?? 0) > 0 ? undefined : 'expected at least one answer, got none',
  async run(spec, context) {
    const bounds = startRun(context);
    // c-ares bounds each try by `timeout`; the run's own deadline cancels the query too.
    const resolver = new dns.Resolver({ timeout: context.timeoutMs, tries: 1 });
    try {
      if (spec.resolver) resolver.setServers([serverAddress(spec.resolver)]);
      const answers = await bounds.race(queries[spec.record](resolver, spec.host));
      return { responseTimeMs: bounds.elapsedMs(), answers };
    } catch (error) {
      const responseTimeMs = bounds.elapsedMs();
      // NODATA: the name exists but has no record of this type, which is an answer, not a failure.
      if (codeOf(error) === 'ENODATA') return { responseTimeMs, answers: [] };
      return { responseTimeMs, error: describeDnsError(error, spec, bounds.describe(error)) };
    } finally {
      bounds.end();
      resolver.cancel();
    }
  },
};

function serverAddress({ host, port }: { readonly host: string; readonly port: number }): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

function describeDnsError(error: unknown, spec: DnsCheckSpec, fallback: string): string {
  // c-ares reports NXDOMAIN as ENOTFOUND; its messages ("queryA ENOTFOUND x") name the code, not the rcode.
  switch (codeOf(error)) {
    case 'ENOTFOUND':
      return `NXDOMAIN: ${spec.host} does not exist`;
    case 'ESERVFAIL':
      return `SERVFAIL: the resolver failed to answer for ${spec.host}`;
    case 'EREFUSED':
      return `REFUSED: the resolver refused the query for ${spec.host}`;
    case 'ECONNREFUSED':
      return `resolver ${spec.resolver ? serverAddress(spec.resolver) : '(system)'} refused the connection`;
    default:
      return fallback;
  }
}

function codeOf(error: unknown): unknown {
  return error instanceof Error ? Reflect.get(error, 'code') : undefined;
}

/** `127.0.0.1:53` or `[::1]:53` as host and port (the config's regex has checked the form). */
function hostPortOf(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(text.slice(at + 1)) };
}
