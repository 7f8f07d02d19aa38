import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';

export type { Logger } from 'pino';
export type LogLevel = LevelWithSilent;

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where JSON lines go; stdout through an async buffer when omitted. Tests pass an in-memory stream. */
  readonly destination?: DestinationStream | undefined;
}

// Keys that hold credentials in Bulwark's config (snake_case) and in its parsed form (camelCase).
const secretKeys = [
  'password',
  'secret',
  'token',
  'api_key',
  'apiKey',
  'routing_key',
  'routingKey',
  'webhook_url',
  'webhookUrl',
];
const secretHeaders = [
  'authorization',
  'cookie',
  '["set-cookie"]',
  '["proxy-authorization"]',
  '["x-api-key"]',
];

/**
 * A safety net, not a licence to log whole config objects: a pino wildcard spans exactly one level, so a
 * secret key is caught only down to `a.b.secret`, and headers only as `headers` or `a.headers`.
 */
export const redactedPaths: readonly string[] = [
  ...secretKeys,
  ...secretKeys.map((key) => `*.${key}`),
  ...secretKeys.map((key) => `*.*.${key}`),
  ...secretHeaders.map((h) => `headers${h.startsWith('[') ? h : `.${h}`}`),
  ...secretHeaders.map((h) => `*.headers${h.startsWith('[') ? h : `.${h}`}`),
  // A route's `request_headers.set` holds provider API keys under any header name: the whole map goes.
  ...['request_headers.set', 'requestHeaders.set'].flatMap((path) => [path, `*.${path}`, `*.*.${path}`]),
  // So are a pool health check's headers (a probe token), down to `pools.NAME.health_check.headers`.
  ...['health_check.headers', 'healthCheck.headers'].flatMap((path) => [path, `*.${path}`, `*.*.${path}`]),
];

/** JSON lines with ISO times and level names, so operators and log shippers read them without a pino decoder. */
export function createLogger(options: LoggerOptions): Logger {
  // Async: a log line must never block the event loop that proxies traffic. pino flushes it on exit.
  // Bounded: during an outage every failed request logs, and a slow stdout must not grow memory without
  // limit; past 16 MiB queued, lines are dropped rather than kept.
  const destination = options.destination ?? pino.destination({ sync: false, maxLength: 16 * 1024 * 1024 });
  return pino(
    {
      level: options.level,
      redact: { paths: [...redactedPaths], censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
