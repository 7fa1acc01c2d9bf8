import { z } from 'zod';

/**
 * The closed set of error codes the public API can answer with, and the HTTP status of each.
 * One table, shared by every service's error handler and by the front end.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  /** an internal request without a valid caller identity (never seen by end users: the gateway answers 502) */
  CALLER_UNAUTHENTICATED: 401,
  /** a signed request names no key the exchange knows, or its API-key headers are malformed */
  API_KEY_INVALID: 401,
  API_KEY_REVOKED: 401,
  API_KEY_EXPIRED: 401,
  /** the signature does not match the request (the secret, or what was signed, differs) */
  SIGNATURE_INVALID: 401,
  /** the signed timestamp is further from the exchange's clock than the receive window */
  TIMESTAMP_OUTSIDE_WINDOW: 401,
  /** this very signed request was received before */
  REQUEST_REPLAYED: 401,
  FORBIDDEN: 403,
  /** the key lacks the scope the route needs */
  API_KEY_SCOPE_MISSING: 403,
  /** the request came from an address not on the key's allow-list */
  API_KEY_IP_NOT_ALLOWED: 403,
  /** the route takes a user's session, not an API key (managing funds or keys, say) */
  API_KEY_NOT_ALLOWED: 403,
  /** an internal request from a caller, or for a user, that the route does not accept */
  CALLER_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  UNKNOWN_SYMBOL: 404,
  ORDER_NOT_FOUND: 404,
  NOTIFICATION_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  WALLET_NOT_FOUND: 404,
  HOLD_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  /** the trace backend has no such trace (yet: spans arrive within a second or two), or it is not the caller's */
  TRACE_NOT_FOUND: 404,
  EMAIL_TAKEN: 409,
  REQUEST_IN_PROGRESS: 409,
  HOLD_CLOSED: 409,
  MARKET_HALTED: 409,
  MARKET_EXISTS: 409,
  DUPLICATE_CLIENT_ORDER_ID: 409,
  ORDER_NOT_OPEN: 409,
  /** a user holds as many live API keys as one may */
  API_KEY_LIMIT_REACHED: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UPGRADE_REQUIRED: 426,
  HEADERS_TOO_LARGE: 431,
  INSUFFICIENT_FUNDS: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  RISK_REJECTED: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  UPSTREAM_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/** What an error's `details` hold differs per code (the fields of VALIDATION_FAILED, the rule of RISK_REJECTED, …). */
export const errorDetailsSchema = z.record(z.string(), z.unknown());

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable error code', example: 'VALIDATION_FAILED' }),
      message: z.string(),
      details: errorDetailsSchema.optional(),
      traceId: z.string().optional(),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.infer<typeof errorBodySchema>;

/** `details.fields` of a VALIDATION_FAILED error: field path → messages. */
export type FieldErrors = Record<string, string[]>;

/** Adds one message to a field of a VALIDATION_FAILED error's `details.fields`. */
export function addFieldError(fields: FieldErrors, field: string, message: string): void {
  // own properties only: a field named `constructor` or `__proto__` must not find Object's
  const messages = Object.hasOwn(fields, field) ? fields[field]! : [];
  messages.push(message);
  fields[field] = messages;
}
