import { ERROR_STATUS, type ErrorCode } from '@exchange/contracts';

export type { ErrorCode };

/**
 * The one error type the services throw on purpose. Its code is stable and documented; the shared
 * error handler turns it into the API's error body with the status from ERROR_STATUS.
 */
export class AppError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown; statusCode?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.statusCode = options?.statusCode ?? ERROR_STATUS[code];
  }
}
