/** Why a verb refused: transports map the code to their own answer (HTTP 404 / 400 / 503, a CLI exit code). */
/** SVC_BUSY: try again later (the status page is starting; the public form is at max_subscribers). */
export type ServiceErrorCode = 'SVC_NOT_FOUND' | 'SVC_INVALID' | 'SVC_BUSY';

export class ServiceError extends Error {
  readonly code: ServiceErrorCode;
  /** The input field at fault, for SVC_INVALID, so a client can point at it. */
  readonly field: string | undefined;

  constructor(code: ServiceErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'ServiceError';
    this.code = code;
    this.field = field;
  }
}
