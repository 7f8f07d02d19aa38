import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import {
  channelNames,
  type CoolDownEvent,
  type EjectionEvent,
  type HealthEvent,
  type PoolModeEvent,
  type RequestClient,
  type RequestEvent,
} from '../core/index.ts';

/** `logging.access_log` as it stands now: a reload flips `isOn` without subscribing anew. */
export interface AccessLogSwitch {
  isOn: boolean;
}

export interface GatewayLogOptions {
  /** Log every request at info. Off by default: at 20k requests/s the log would drown what matters. */
  readonly accessLog?: boolean | AccessLogSwitch | undefined;
  /** For the periods of the overload summary and the refused-ejection warnings; tests pass a fake. */
  readonly nowMs?: (() => number) | undefined;
}

/**
 * Logs what an operator acts on: health verdicts, ejections, pool mode changes and failed requests.
 * Returns the function that stops it. Handlers must not throw: diagnostics_channel would rethrow as uncaught.
 */
export function subscribeGatewayLogs(logger: Logger, options: GatewayLogOptions = {}): () => void {
  const log = logger.child({ component: 'gateway' });
  const { accessLog = false } = options;
  const accessSwitch = typeof accessLog === 'boolean' ? { isOn: accessLog } : accessLog;
  const nowMs = options.nowMs ?? (() => performance.now());
  const refusals = new RefusalSummary(log, nowMs);
  const refusedEjections = new RefusedEjections(log, nowMs);

  const handlers: [string, (message: unknown) => void][] = [
    [channelNames.health, (m) => logHealth(log, m as HealthEvent)],
    [channelNames.ejection, (m) => logEjection(log, m as EjectionEvent, refusedEjections)],
    [channelNames.coolDown, (m) => logCoolDown(log, m as CoolDownEvent)],
    [channelNames.poolMode, (m) => logPoolMode(log, m as PoolModeEvent)],
    [channelNames.request, (m) => logRequest(log, m as RequestEvent, accessSwitch, refusals)],
  ];
  for (const [name, handler] of handlers) subscribe(name, handler);
  return () => {
    for (const [name, handler] of handlers.splice(0)) unsubscribe(name, handler);
  };
}

function logHealth(log: Logger, event: HealthEvent): void {
  const fields = { event: 'health', pool: event.pool, endpoint: event.endpoint, detail: event.detail };
  if (event.isHealthy) log.info(fields, 'endpoint passes its health check again');
  else log.warn(fields, 'endpoint failed its health check');
}

function logEjection(log: Logger, event: EjectionEvent, refused: RefusedEjections): void {
  if (event.isRefused) return refused.count(event);
  // Ejected or back: whatever comes next is a new episode, news at once.
  refused.forget(event);
  const fields = { event: 'ejection', pool: event.pool, endpoint: event.endpoint, reason: event.reason };
  if (event.isEjected)
    log.warn({ ...fields, ejectionMs: event.durationMs }, 'endpoint ejected by outlier detection');
  else log.info(fields, 'endpoint returned from ejection');
}

const refusedEjectionPeriodMs = 10_000;

interface RefusedSpell {
  lineAtMs: number;
  /** Refusals since the last line, not yet written. */
  pending: number;
}

/**
 * A refused ejection comes once per `consecutive_failures` failures: hundreds a second from one failing endpoint
 * under load. Written the first time at once, then at most one line per endpoint per 10 s, as the overload
 * summary, carrying the refusals it stands for; flushed by the next refusal, so it needs no timer.
 */
class RefusedEjections {
  readonly #log: Logger;
  readonly #nowMs: () => number;
  /** By pool and endpoint: bounded by the endpoints configured since start. */
  readonly #spells = new Map<string, RefusedSpell>();

  constructor(log: Logger, nowMs: () => number) {
    this.#log = log;
    this.#nowMs = nowMs;
  }

  count(event: EjectionEvent): void {
    const nowMs = this.#nowMs();
    const id = keyOf(event);
    const spell = this.#spells.get(id);
    if (spell && nowMs - spell.lineAtMs < refusedEjectionPeriodMs) {
      spell.pending += 1;
      return;
    }
    const refusals = (spell?.pending ?? 0) + 1;
    const periodMs = spell ? Math.round(nowMs - spell.lineAtMs) : 0;
    this.#spells.set(id, { lineAtMs: nowMs, pending: 0 });
    const { pool, endpoint, reason } = event;
    this.#log.warn(
      { event: 'ejection', pool, endpoint, reason, refusals, periodMs },
      'endpoint keeps taking traffic though outlier detection would eject it',
    );
  }

  forget(event: EjectionEvent): void {
    this.#spells.delete(keyOf(event));
  }
}

function keyOf(event: EjectionEvent): string {
  return `${event.pool}\u0000${event.endpoint}`;
}

function logCoolDown(log: Logger, event: CoolDownEvent): void {
  const fields = { event: 'cool-down', pool: event.pool, endpoint: event.endpoint };
  const { status, retryAfterMs, durationMs: coolDownMs } = event;
  if (event.isKeptLast)
    return log.warn(
      { ...fields, status, retryAfterMs, coolDownMs, reason: 'last endpoint in rotation' },
      "endpoint keeps taking traffic though its upstream's Retry-After would cool it down",
    );
  if (!event.isCooling) return log.info(fields, 'endpoint returned from cool-down');
  log.info(
    { ...fields, status, retryAfterMs, coolDownMs },
    "endpoint cooling down on its upstream's Retry-After",
  );
}

function logPoolMode(log: Logger, event: PoolModeEvent): void {
  const fields = { event: 'pool-mode', pool: event.pool, mode: event.mode, healthyShare: event.healthyShare };
  switch (event.mode) {
    case 'panic':
      log.error(fields, 'pool in panic: too few healthy endpoints, so every endpoint takes traffic');
      return;
    case 'failover':
      log.warn({ ...fields, failoverTo: event.failoverTo }, 'pool failing over');
      return;
    case 'normal':
      log.info(fields, 'pool back to normal');
      return;
  }
}

function logRequest(
  log: Logger,
  event: RequestEvent,
  accessLog: AccessLogSwitch,
  refusals: RefusalSummary,
): void {
  const hasFailed = event.errorCode !== undefined || event.status >= 500;
  // With the access log off, a success costs this one property read.
  if (!hasFailed && !accessLog.isOn) return;
  if (event.errorCode !== undefined && overloadCodes.has(event.errorCode)) {
    refusals.count(event.errorCode, event);
    if (!log.isLevelEnabled('debug')) return;
  }
  // Read only now, for a line being written: the event carries references, not copies.
  const { client } = event;
  const measures = event.exchange?.measures();
  const fields = {
    event: 'request',
    requestId: event.requestId,
    clientAddress: measures?.clientAddress ?? addressOf(client),
    protocol: protocolOf(client),
    userAgent: userAgentOf(client),
    method: event.method,
    // The query string may carry tokens; the path is enough to find the route.
    path: pathWithoutQuery(event.path),
    route: event.route,
    pool: event.pool,
    endpoint: event.endpoint,
    status: event.status,
    durationMs: event.durationMs,
    attempts: event.attempts,
    upstreamFirstByteMs: measures?.upstreamFirstByteMs,
    bytesReceived: measures?.bytesReceived,
    bytesSent: measures?.bytesSent,
    errorCode: event.errorCode,
    // Which rate limit refused, and whose key (a hash prefix, never the key): absent for other answers.
    limit: event.limit,
    keyFingerprint: event.keyFingerprint,
  };
  // A client that hung up is not the service failing; keep it out of the warnings (a request the drain cut is
  // Bulwark's doing, so it stays in them). Overload refusals come by the thousand per second exactly when the
  // gateway is busiest: one summary line stands for them.
  if (event.errorCode !== undefined && overloadCodes.has(event.errorCode))
    log.debug(fields, 'request refused');
  else if (event.errorCode === 'GW_DRAINED') log.warn(fields, 'request cut off: drain_timeout passed');
  else if (hasFailed && event.errorCode !== 'GW_CLIENT_CLOSED') log.warn(fields, 'request failed');
  else log.info(fields, hasFailed ? 'client closed the request' : 'request');
}

const overloadCodes: ReadonlySet<string> = new Set([
  'GW_RATE_LIMITED',
  'GW_SHED',
  'GW_QUEUE_TIMEOUT',
  'GW_THROTTLED',
  'GW_ENDPOINT_SATURATED',
]);
const refusalSummaryMs = 10_000;

/** Where refusals came from: bounded by the config (codes × routes × pools × limit names), never by keys. */
interface RefusalSource {
  readonly code: string;
  readonly route: string;
  readonly pool: string;
  readonly limit?: string | undefined;
  count: number;
}

/**
 * Overload refusals, counted by code and by source (route, pool, rate limit) and logged as one warning per 10 s
 * at most, when some happened. Needs no timer: the count is flushed by the first refusal after the period (the
 * metrics have the exact figures).
 */
class RefusalSummary {
  readonly #log: Logger;
  readonly #nowMs: () => number;
  readonly #counts = new Map<string, number>();
  readonly #sources = new Map<string, RefusalSource>();
  #since: number | undefined;

  constructor(log: Logger, nowMs: () => number) {
    this.#log = log;
    this.#nowMs = nowMs;
  }

  count(code: string, event: RequestEvent): void {
    const nowMs = this.#nowMs();
    this.#counts.set(code, (this.#counts.get(code) ?? 0) + 1);
    const id = `${code}\u0000${event.route}\u0000${event.pool}\u0000${event.limit ?? ''}`;
    const source = this.#sources.get(id);
    if (source) source.count += 1;
    else {
      const { route, pool, limit } = event;
      this.#sources.set(id, { code, route, pool, ...(limit === undefined ? {} : { limit }), count: 1 });
    }
    if (this.#since === undefined) {
      // The first refusal after a quiet spell is news at once.
      this.#since = nowMs;
      return this.#flush(nowMs);
    }
    if (nowMs - this.#since >= refusalSummaryMs) this.#flush(nowMs);
  }

  #flush(nowMs: number): void {
    const refused = Object.fromEntries(this.#counts);
    const sources = [...this.#sources.values()];
    const periodMs = Math.round(nowMs - (this.#since ?? nowMs));
    this.#log.warn({ event: 'overload', refused, sources, periodMs }, 'requests refused under overload');
    this.#counts.clear();
    this.#sources.clear();
    this.#since = nowMs;
  }
}

function pathWithoutQuery(path: string): string {
  const queryAt = path.indexOf('?');
  return queryAt === -1 ? path : path.slice(0, queryAt);
}

/** The direct peer, as X-Forwarded-For gives it to the upstream: an IPv4 client on a dual-stack socket as IPv4. */
function addressOf(client: RequestClient | undefined): string | undefined {
  const address = client?.socket?.remoteAddress;
  return address?.startsWith('::ffff:') ? address.slice(7) : address;
}

/** As Envoy's %PROTOCOL%: `HTTP/1.1`, `HTTP/1.0`, `HTTP/2`. */
function protocolOf(client: RequestClient | undefined): string | undefined {
  const version = client?.httpVersion;
  if (!version) return undefined;
  return version === '2.0' ? 'HTTP/2' : `HTTP/${version}`;
}

const maxUserAgentChars = 256;

/**
 * Bounded, and control characters written `\xNN`: JSON escapes them on the line already, but `jq -r` would hand
 * a terminal the raw escape sequences.
 */
function userAgentOf(client: RequestClient | undefined): string | undefined {
  const userAgent = client?.headers?.['user-agent'];
  if (userAgent === undefined) return undefined;
  const kept = userAgent.length > maxUserAgentChars ? userAgent.slice(0, maxUserAgentChars) : userAgent;
  const escaped = kept.replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return kept.length < userAgent.length ? `${escaped}…` : escaped;
}
