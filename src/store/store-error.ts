// Store codes live here until core/errors.ts takes them into ErrorCode (that file has another owner).
export type StoreErrorCode =
  | 'STORE_WAL_UNAVAILABLE'
  | 'STORE_MIGRATION_FAILED'
  | 'STORE_WRITER_CLOSED'
  | 'STORE_WRITE_DROPPED'
  | 'STORE_FLUSH_FAILED';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}
