/** Why a verb refused: transports map the code to their own answer (HTTP 404 / 400, a CLI exit code). */
export type ServiceErrorCode = 'SVC_NOT_FOUND' | 'SVC_INVALID';

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
