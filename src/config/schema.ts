import { z } from 'zod';
import { alerting } from './alerting.ts';
import { dataDir, monitors, retention } from './monitors.ts';
import { pool } from './pool-schema.ts';
import { route } from './route-schema.ts';
import { checkOverlaps } from './overlaps.ts';
import { always, PartlyParsed } from './partly-parsed.ts';
import { checkReferences } from './references.ts';
import { statusPage, statusPageConfigOf } from './status-page.ts';
import { duration, size } from './units.ts';

/**
 * The single source of truth for bulwark.yaml. Keys are snake_case as YAML users expect; the output is
 * camelCase with durations in ms, sizes in bytes and percentages as fractions (the one mapping point).
 * Objects are strict: an unknown key is an error, because a typo must never silently disable a policy.
 */

export const defaultAdminAddress = '127.0.0.1:8082';

export const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT such as 127.0.0.1:8080')
  .transform((text, ctx) => {
    const at = text.lastIndexOf(':');
    const port = Number(text.slice(at + 1));
    // The pattern allows five digits; ports above 65535 would only fail later, at bind time.
    if (port > 65_535) ctx.addIssue({ code: 'custom', message: 'expected a port from 0 to 65535' });
    return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port };
  });

const gatewayTls = z
  .strictObject({ address: hostPort, cert: z.string().min(1), key: z.string().min(1) })
  .meta({ description: 'TLS termination (HTTP/1.1 and HTTP/2 by ALPN): PEM file paths' });

const listen = z
  .strictObject({
    gateway: hostPort.prefault('127.0.0.1:8080'),
    gateway_tls: gatewayTls.optional(),
    admin: hostPort.prefault(defaultAdminAddress),
    // Used only when status_page is configured: the public page, apart from gateway and admin.
    status: hostPort.prefault('127.0.0.1:8081'),
  })
  .prefault({})
  .transform((l) => ({ gateway: l.gateway, gatewayTls: l.gateway_tls, admin: l.admin, status: l.status }));

const gateway = z
  .strictObject({
    drain_timeout: duration().prefault('30s'),
    // HAProxy's `grace`, Traefik's `requestAcceptGraceTimeout`; 0 as theirs, so a bare stop stays quick.
    shutdown_delay: duration().prefault('0s'),
    workers: z.union([z.int().min(1).max(64), z.literal('auto')]).default(1),
    // nginx's `underscores_in_headers off` by default: CGI-style upstreams read `X_Forwarded_For` as ours.
    headers_with_underscores: z.enum(['drop', 'allow', 'reject']).default('drop'),
  })
  .prefault({})
  .transform((g) => ({
    drainTimeoutMs: g.drain_timeout,
    shutdownDelayMs: g.shutdown_delay,
    workers: g.workers,
    headersWithUnderscores: g.headers_with_underscores,
  }));

const limits = z
  .strictObject({
    // node reads 0 as its default (16KiB); HTTP/2 sends it in 32 bits, and 4GiB crashed the TLS listener.
    max_header_bytes: size({ isZeroAllowed: false, maxBytes: 2 ** 32 - 1 }).prefault('16KiB'),
    max_headers: z.int().min(1).max(2000).default(100),
    header_timeout: duration().prefault('10s'),
    request_timeout: duration().prefault('60s'),
    // Per listener and worker process: what a flood can hold of the descriptors the upstreams and admin need.
    max_connections: z.int().min(1).max(1_000_000).default(10_000),
    max_connections_per_ip: z.int().min(0).default(512),
  })
  .prefault({})
  .transform((l) => ({
    maxHeaderBytes: l.max_header_bytes,
    maxHeaders: l.max_headers,
    headerTimeoutMs: l.header_timeout,
    requestTimeoutMs: l.request_timeout,
    maxConnections: l.max_connections,
    maxConnectionsPerIp: l.max_connections_per_ip,
  }));

/** A control listener's caps (admin, status_page): absent takes the listener's default. */
const listenerCaps = {
  max_connections: z.int().min(1).max(1_000_000).optional(),
  // 0 turns it off: behind a proxy every client has the proxy's address.
  max_connections_per_ip: z.int().min(0).max(1_000_000).optional(),
};

/** Only the caps written: the listener owns the defaults, and an address without caps reads as before. */
function capsOf(section: {
  max_connections?: number | undefined;
  max_connections_per_ip?: number | undefined;
}) {
  return {
    ...(section.max_connections === undefined ? {} : { maxConnections: section.max_connections }),
    ...(section.max_connections_per_ip === undefined
      ? {}
      : { maxConnectionsPerIp: section.max_connections_per_ip }),
  };
}

const hostName = z
  .string()
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
    'expected a host name such as bulwark.internal (no scheme, no port)',
  );

const admin = z
  .strictObject({
    // Bearer tokens for the admin write API; put them in the environment: tokens: ["${BULWARK_ADMIN_TOKEN}"].
    tokens: z.array(z.string().min(16, 'admin tokens need at least 16 characters')).default([]),
    // Names the admin listener answers to besides IP addresses, localhost and its own (DNS rebinding).
    allowed_hosts: z.array(hostName).optional(),
    ...listenerCaps,
  })
  .prefault({})
  .transform((a) => ({
    tokens: a.tokens,
    ...(a.allowed_hosts === undefined ? {} : { allowedHosts: a.allowed_hosts }),
    ...capsOf(a),
  }));

const logging = z
  .strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    // Off by default: one stdout line per request would drown what an operator acts on, at 20k requests/s.
    access_log: z.boolean().default(false),
  })
  .prefault({})
  .transform((l) => ({ level: l.level, accessLog: l.access_log }));

export const configSchema = z
  .strictObject({
    listen,
    logging,
    gateway,
    limits,
    admin,
    pools: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'pool names use letters, digits, - _ .'), pool),
    routes: z.array(route).min(1, 'at least one route is needed'),
    monitors,
    data_dir: dataDir,
    retention,
    alerting,
    status_page: statusPage,
  })
  // Runs on whatever parsed, so a reference is checked beside the file's other errors.
  .superRefine(checkReferences, always)
  .superRefine((config, ctx) => checkOverlaps(new PartlyParsed(config, ctx.issues), ctx), always)
  // camelCase like everything else; the status page is shaped here, as the references above read it as written.
  .transform(({ data_dir, status_page, listen, ...rest }) => ({
    ...rest,
    // Each control listener takes its settings with its address, which is what starts it.
    listen: {
      ...listen,
      admin: { ...listen.admin, ...withoutTokens(rest.admin) },
      status: { ...listen.status, ...(status_page && capsOf(status_page)) },
    },
    dataDir: data_dir,
    statusPage: status_page && statusPageConfigOf(status_page),
  }));

function withoutTokens<T extends { readonly tokens: unknown }>({
  tokens: _tokens,
  ...rest
}: T): Omit<T, 'tokens'> {
  return rest;
}

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
