import { ERROR_STATUS, type ErrorCode, isErrorCode } from '@exchange/contracts';

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

/** One item's refusal in a batch answer: the status and error a single request would have had. */
export function itemRefusal(error: AppError): { ok: false; status: number; error: { code: string; message: string; details?: Record<string, unknown> } } {
  return { ok: false, status: error.statusCode, error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } };
}

/** A batch item's refusal as the error a single call would have thrown. */
export function refusalError(refusal: { status: number; error: { code: string; message: string; details?: Record<string, unknown> } }): AppError {
  const code = refusal.error.code;
  if (!isErrorCode(code)) return new AppError('UPSTREAM_ERROR', `an item was refused with an unknown code ${code}`, { upstreamCode: code });
  return new AppError(code, refusal.error.message, refusal.error.details, { statusCode: refusal.status });
}
