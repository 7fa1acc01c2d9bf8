import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { addFieldError, type ErrorBody, type ErrorCode, type FieldErrors } from '@exchange/contracts';
import { AppError } from '../errors.js';
import { currentTraceId, trace } from '../tracing.js';

/** Fastify's own request errors, named by the stable code a client sees. */
const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'VALIDATION_FAILED', message: 'The request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'VALIDATION_FAILED', message: 'The request body is empty' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'VALIDATION_FAILED', message: 'Content-Length does not match the body' },
  FST_ERR_VALIDATION: { code: 'VALIDATION_FAILED', message: 'The request is not valid' },
  FST_ERR_BAD_URL: { code: 'VALIDATION_FAILED', message: 'The URL is not valid' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'URI_TOO_LONG', message: 'A part of the URL is too long' },
  FST_ERR_CTP_INVALID_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the body as application/json' },
};

/** What a client sees for any other refusal of Fastify's: a stable code and a fixed text, never an echo of its input. */
const STATUS_CODES: Record<number, { code: ErrorCode; message: string }> = {
  404: { code: 'NOT_FOUND', message: 'Not found' },
  405: { code: 'METHOD_NOT_ALLOWED', message: 'This method is not allowed here' },
  413: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' },
  414: { code: 'URI_TOO_LONG', message: 'The URL is too long' },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the body as application/json' },
  431: { code: 'HEADERS_TOO_LARGE', message: 'The request headers are too large' },
};
const OTHER_REFUSAL = { code: 'VALIDATION_FAILED', message: 'The request is not valid' } as const;

/**
 * The raw answer to a request Node's HTTP parser refused before any route saw it (headers too
 * large, a malformed request line): the same error body as every other refusal.
 */
export function clientErrorResponse(errorCode: string | undefined): string {
  const isHeaderOverflow = errorCode === 'HPE_HEADER_OVERFLOW';
  const status = isHeaderOverflow ? 431 : errorCode === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const refusal = isHeaderOverflow
    ? STATUS_CODES[431]!
    : status === 408
      ? { code: 'VALIDATION_FAILED', message: 'The request took too long to arrive' }
      : OTHER_REFUSAL;
  const body = JSON.stringify({ error: refusal });
  const reason = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`;
}

function fieldErrors(error: FastifyError): FieldErrors {
  const fields: FieldErrors = {};
  const add = (path: string, message: string) => addFieldError(fields, path, message);
  if (!hasZodFastifySchemaValidationErrors(error)) return fields;
  for (const problem of error.validation) {
    const base = (problem.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const keys = (problem.params as { keys?: unknown }).keys;
    if (problem.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      for (const key of keys) add(base ? `${base}.${String(key)}` : String(key), 'is not a known field');
    } else {
      add(base || '(root)', problem.message ?? 'is invalid');
    }
  }
  return fields;
}

export interface NormalizedError {
  statusCode: number;
  body: ErrorBody;
  /** true when the fault is ours (5xx) and worth logging with its stack */
  isServerFault: boolean;
}

/** Turns anything thrown into the API's error body with a stable code. */
export function normalizeError(error: unknown): NormalizedError {
  const traceId = currentTraceId();
  const body = (code: ErrorCode, message: string, details?: Record<string, unknown>): ErrorBody => ({
    error: { code, message, ...(details ? { details } : {}), ...(traceId ? { traceId } : {}) },
  });

  if (error instanceof AppError) {
    // a refusal for load (503 with a time to come back) is the system working as meant, not a fault:
    // logged as a refusal, without a stack, so shedding a flood stays cheap
    const isShed = error.code === 'SERVICE_UNAVAILABLE' && typeof error.details?.retryAfterSeconds === 'number';
    return { statusCode: error.statusCode, body: body(error.code, error.message, error.details), isServerFault: error.statusCode >= 500 && !isShed };
  }
  const fastifyError = error as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fastifyError)) {
    const where = fastifyError.validationContext ?? 'body';
    return {
      statusCode: 400,
      body: body('VALIDATION_FAILED', `The request ${where} is not valid`, { fields: fieldErrors(fastifyError) }),
      isServerFault: false,
    };
  }
  const known = fastifyError?.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) {
    return { statusCode: fastifyError.statusCode ?? 400, body: body(known.code, known.message), isServerFault: false };
  }
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return { statusCode: 400, body: body('VALIDATION_FAILED', 'The request body is not valid JSON'), isServerFault: false };
  }
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const refusal = STATUS_CODES[status] ?? OTHER_REFUSAL;
    return { statusCode: status, body: body(refusal.code, refusal.message), isServerFault: false };
  }
  return { statusCode: 500, body: body('INTERNAL_ERROR', 'Something went wrong on our side'), isServerFault: true };
}

/** Logs and sends an error; returns its stable code. */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): string {
  const normalized = normalizeError(error);
  if (normalized.isServerFault) {
    request.log.error({ err: error }, 'request failed');
    // the request's span carries the fault with its stack, where a trace viewer shows it
    if (error instanceof Error) trace.getActiveSpan()?.recordException(error);
  } else request.log.info({ code: normalized.body.error.code }, 'request refused');
  // a refusal that says when to come back (429, 503) says it in the standard header too
  const retryAfter = normalized.body.error.details?.retryAfterSeconds;
  if (typeof retryAfter === 'number' && Number.isFinite(retryAfter)) void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
  void reply.status(normalized.statusCode).send(normalized.body);
  return normalized.body.error.code;
}
