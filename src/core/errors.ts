/** Every error Bulwark raises on purpose carries a stable code that logs, metrics and clients can match on. */
export type ErrorCode =
  | 'CFG_INVALID'
  | 'CFG_NOT_FOUND'
  | 'CLI_USAGE'
  | 'GW_ROUTE_NOT_FOUND'
  | 'GW_NO_HEALTHY_ENDPOINT'
  | 'GW_UPSTREAM_FAILED'
  | 'GW_UPSTREAM_TIMEOUT'
  | 'GW_UPSTREAM_STREAM_FAILED'
  | 'GW_BODY_TOO_LARGE'
  | 'GW_BAD_REQUEST'
  | 'GW_HEADERS_TOO_LARGE'
  | 'GW_UNSUPPORTED_TRANSFER_CODING'
  | 'GW_METHOD_NOT_SUPPORTED'
  | 'GW_EXPECTATION_FAILED'
  | 'GW_REQUEST_TIMEOUT'
  | 'GW_TOO_MANY_CONNECTIONS'
  | 'GW_CLIENT_CLOSED'
  | 'GW_DRAINED'
  | 'GW_INTERNAL'
  | 'GW_CLIENT_STALLED'
  | 'GW_RATE_LIMITED'
  | 'GW_QUEUE_TIMEOUT'
  | 'GW_SHED'
  | 'GW_THROTTLED'
  | 'GW_ENDPOINT_SATURATED';

export class BulwarkError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BulwarkError';
    this.code = code;
  }
}
